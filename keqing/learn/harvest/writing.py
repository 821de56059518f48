"""Writing harvested examples: the known texts (de-duplication) and appending YAML blocks to the NLU files."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import (
    Any,
    Dict,
    Iterable,
    List,
    Optional,
    Tuple,
)

import yaml

from keqing.learn.harvest.labelling import Item
from keqing.learn.harvest.spans import dedup_key
from keqing.text.yamlfile import load_yaml, load_yaml_text

logger = logging.getLogger(__name__)

HARVESTED_HEADER = """\
# Training examples labelled by the reps themselves (a confirmed diagnosis, or a correction of one),
# appended by `python -m keqing harvest` from the conversation logs; see docs/retraining.md.
# Texts are masked ([电话] [邮箱] [证件号] [卡号] [金额]); `metadata.harvest` says where each came from.
# Check them like any other training data; delete what is wrong. `python -m keqing retrain` trains on them.
version: "3.1"
nlu:
"""

PENDING_HEADER = """\
# Messages waiting for a person to label, appended by `python -m keqing harvest`; see docs/retraining.md.
# NOT training data: each example sits under the intent the model suggested, `metadata.review` says why it
# is here and what the model predicted. Fix the intent, annotate the cue spans (docs/conventions.md),
# move the example into a feature's nlu file under data/, and delete it here.
version: "3.1"
nlu:
"""

# ------------------------------------------------------------------------------------------ files


def nlu_examples(doc: Any) -> Iterable[Tuple[str, str]]:
    """(intent, example text) of a Rasa NLU YAML document."""
    if not isinstance(doc, dict):
        return
    for block in doc.get("nlu") or []:
        if not isinstance(block, dict) or "intent" not in block:
            continue
        examples = block.get("examples")
        if isinstance(examples, str):
            for line in examples.splitlines():
                line = line.strip()
                if line.startswith("- "):
                    yield str(block["intent"]), line[2:].strip()
        elif isinstance(examples, list):
            for ex in examples:
                if isinstance(ex, dict) and ex.get("text"):
                    yield str(block["intent"]), str(ex["text"]).strip()
                elif isinstance(ex, str):
                    yield str(block["intent"]), ex.strip()


def _load_yaml(path: Path) -> Any:
    try:
        return load_yaml(path)
    except yaml.YAMLError as exc:
        raise HarvestError(f"{path}: not valid YAML ({exc})") from exc


class HarvestError(RuntimeError):
    """The harvest cannot run (unreadable files, unreachable databases)."""


@dataclass
class KnownTexts:
    """Dedup keys of every example already somewhere, by where it is."""

    where: Dict[str, str] = field(default_factory=dict)

    def add(self, text: str, source: str) -> None:
        key = dedup_key(text)
        if key:
            self.where.setdefault(key, source)

    def source(self, key: str) -> Optional[str]:
        return self.where.get(key)


def known_texts(nlu_dir: Path, harvested: Path, pending: Path, heldout_dir: Optional[Path]) -> KnownTexts:
    known = KnownTexts()
    for path, source in ((harvested, "harvested"), (pending, "pending")):
        if path.exists():
            for _intent, text in nlu_examples(_load_yaml(path)):
                known.add(text, source)
    if nlu_dir.is_dir():
        for path in sorted([*nlu_dir.rglob("*.yml"), *nlu_dir.rglob("*.yaml")]):
            if path.resolve() == harvested.resolve():
                continue
            for _intent, text in nlu_examples(_load_yaml(path)):
                known.add(text, "training")
    if heldout_dir and Path(heldout_dir).is_dir():
        desc = Path(heldout_dir) / "descriptions.yml"
        if desc.exists():
            for item in (_load_yaml(desc) or {}).get("items") or []:
                if isinstance(item, dict) and item.get("text"):
                    known.add(str(item["text"]), "heldout")
        for path in sorted(Path(heldout_dir).glob("*.yml")):
            if path.name != "descriptions.yml":
                for _intent, text in nlu_examples(_load_yaml(path)):
                    known.add(text, "heldout")
    return known


def _blocks_yaml(items: List[Item], banner: str) -> str:
    by_intent: Dict[str, List[Item]] = {}
    for item in items:
        by_intent.setdefault(item.intent, []).append(item)
    blocks = [
        {"intent": intent, "examples": [{"text": it.text, "metadata": it.metadata()} for it in group]}
        for intent, group in by_intent.items()
    ]
    body = yaml.safe_dump(blocks, allow_unicode=True, sort_keys=False, width=100_000, default_flow_style=False)
    return f"# {banner}\n{body}"


def append_examples(path: Path, header: str, items: List[Item], banner: str) -> None:
    """Append intent blocks to the `nlu:` list of a Rasa NLU file (created with `header` if needed).

    Existing content is kept byte for byte; `nlu:` must be the file's last key."""
    chunk = _blocks_yaml(items, banner)
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    doc = load_yaml_text(existing) if existing.strip() else None
    if doc is None or (isinstance(doc, dict) and not doc.get("nlu") and "nlu" in doc and len(doc) <= 2):
        text = header + chunk
    else:
        if not isinstance(doc, dict) or "nlu" not in doc or list(doc)[-1] != "nlu" or not isinstance(doc["nlu"], list):
            raise HarvestError(f"{path}: cannot append, `nlu:` must be the last key and a list")
        text = existing + ("" if existing.endswith("\n") else "\n") + chunk
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
