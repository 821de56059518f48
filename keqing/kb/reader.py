"""Read and validate `knowledge/*.yml` into a `KnowledgeSet` (no database involved)."""
from __future__ import annotations

import hashlib
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import yaml
from pydantic import ValidationError

from keqing.kb.errors import KnowledgeError, Problem
from keqing.kb.normalize import normalize_term
from keqing.kb.schema import CUE_DIMENSIONS, KIND_MODELS, Item, KnowledgeFile

# Bumped when the mapping YAML -> rows changes, so an unchanged YAML is still reloaded.
LOADER_VERSION = "2"


@dataclass(frozen=True)
class LoadedItem:
    item: Item
    file: str  # display path, e.g. knowledge/styles.yml
    line: Optional[int]


@dataclass
class KnowledgeSet:
    items: List[LoadedItem]
    warnings: List[str] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        payload = [LOADER_VERSION] + [[li.file.rsplit("/", 1)[-1], li.item.dict()] for li in self.sorted()]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

    def sorted(self) -> List[LoadedItem]:
        return sorted(self.items, key=lambda li: li.item.id)

    def counts(self) -> Dict[str, int]:
        counts: Dict[str, int] = defaultdict(int)
        for li in self.items:
            counts[li.item.kind] += 1
        return dict(sorted(counts.items()))


class _Loader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys and remembers the line of every mapping."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.lines: Dict[int, int] = {}

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        mapping = super().construct_mapping(node, deep=deep)
        self.lines[id(mapping)] = node.start_mark.line + 1
        return mapping


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path, Path.cwd()) if path.is_absolute() else str(path)
    except ValueError:
        return str(path)


def _item_near(text: str, line: int) -> Optional[str]:
    """The id of the last item starting at or before `line` (for YAML syntax errors)."""
    found = None
    for raw in text.splitlines()[:line]:
        m = re.match(r"^\s*-?\s*id:\s*['\"]?([a-z][a-z0-9_.]*)", raw)
        if m and raw.lstrip().startswith("- "):
            found = m.group(1)
    return found


def _parse_file(path: Path, shown: str) -> Tuple[List[Tuple[dict, Optional[int]]], List[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(shown, None, f"cannot read file: {exc}")]
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        reason = f"broken YAML: {getattr(exc, 'problem', None) or exc}"
        context = getattr(exc, "context", None)
        if context:
            reason += f" ({context})"
        return [], [Problem(shown, _item_near(text, line) if line else None, reason, line)]
    finally:
        loader.dispose()
    shape = "file must be a mapping {version: 1, items: [...]}"
    if not isinstance(data, dict):
        return [], [Problem(shown, None, f"{shape}, got {type(data).__name__}")]
    try:
        KnowledgeFile.parse_obj(data)
    except ValidationError as exc:
        return [], [Problem(shown, None, f"{shape}: {_reasons(exc)}")]
    return [(item, loader.lines.get(id(item))) for item in data["items"]], []


def _reasons(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if p != "__root__")
        if err["type"] == "value_error.missing":
            parts.append(f"missing field '{loc}'")
        elif err["type"] == "value_error.extra":
            parts.append(f"unknown field '{loc}'")
        else:
            parts.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    return "; ".join(parts)


def _validate_item(raw: dict, index: int, shown: str, line: Optional[int]) -> Tuple[Optional[Item], List[Problem]]:
    item_id = raw.get("id") if isinstance(raw.get("id"), str) else f"#{index + 1}"
    kind = raw.get("kind")
    model = KIND_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        reason = "missing field 'kind'" if kind is None else f"unknown kind {kind!r} (expected one of {', '.join(KIND_MODELS)})"
        return None, [Problem(shown, item_id, reason, line)]
    try:
        return model.parse_obj(raw), []
    except ValidationError as exc:
        return None, [Problem(shown, item_id, _reasons(exc), line)]


def _cross_checks(items: List[LoadedItem]) -> Tuple[List[Problem], List[str]]:
    problems: List[Problem] = []
    warnings: List[str] = []
    by_id: Dict[str, LoadedItem] = {}
    for li in items:
        first = by_id.get(li.item.id)
        if first is not None:
            where = f"{first.file}:{first.line}" if first.line else first.file
            problems.append(Problem(li.file, li.item.id, f"duplicate id, already defined in {where}", li.line))
        else:
            by_id[li.item.id] = li

    unique_per_kind: Dict[Tuple[str, str], LoadedItem] = {}
    for li in items:
        it = li.item
        if it.kind in ("style", "motive", "grade", "stage", "regression"):
            key = (it.kind, "" if it.kind == "regression" else it.name)
            if key in unique_per_kind and unique_per_kind[key].item.id != it.id:
                other = unique_per_kind[key].item.id
                problems.append(Problem(li.file, it.id, f"a {it.kind} named {it.name!r} already exists ({other})", li.line))
            unique_per_kind.setdefault(key, li)
        if it.kind == "style_variant":
            parent = by_id.get(it.parent)  # type: ignore[attr-defined]
            if parent is None or parent.item.kind != "style":
                problems.append(Problem(li.file, it.id, f"parent {it.parent!r} is not the id of a style", li.line))  # type: ignore[attr-defined]
    orders: Dict[int, str] = {}
    for li in items:
        if li.item.kind == "stage":
            order = li.item.order  # type: ignore[attr-defined]
            if order in orders and orders[order] != li.item.id:
                problems.append(Problem(li.file, li.item.id, f"stage order {order} already used by {orders[order]}", li.line))
            orders.setdefault(order, li.item.id)

    # Ambiguities that do not block a load but make lookups/cue matching unreliable.
    names: Dict[str, set] = defaultdict(set)
    cues: Dict[Tuple[str, str], set] = defaultdict(set)
    for li in items:
        for term in [li.item.name, *li.item.aliases]:
            names[normalize_term(term)].add(li.item.id)
        for cue in li.item.cues:
            cues[(CUE_DIMENSIONS[li.item.kind], cue)].add(li.item.name)
    for term, ids in sorted(names.items()):
        if len(ids) > 1:
            warnings.append(f"name/alias {term!r} is shared by {', '.join(sorted(ids))}")
    for (dim, cue), values in sorted(cues.items()):
        if len(values) > 1:
            warnings.append(f"{dim} cue {cue!r} is listed under {', '.join(sorted(values))}")
    return problems, warnings


def read_knowledge(path: Union[str, Path]) -> KnowledgeSet:
    """Parse and validate every `*.yml` under `path`; raise KnowledgeError listing all problems."""
    root = Path(path)
    shown_root = display_path(root)
    files = sorted(root.glob("*.yml")) if root.is_dir() else []
    if not files:
        raise KnowledgeError([Problem(shown_root, None, "no *.yml files found")])
    problems: List[Problem] = []
    items: List[LoadedItem] = []
    for file in files:
        shown = display_path(file)
        raws, file_problems = _parse_file(file, shown)
        problems += file_problems
        for index, (raw, line) in enumerate(raws):
            item, item_problems = _validate_item(raw, index, shown, line)
            problems += item_problems
            if item is not None:
                items.append(LoadedItem(item, shown, line))
    cross_problems, warnings = _cross_checks(items)
    problems += cross_problems
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeSet(items, warnings)
