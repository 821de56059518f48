"""The cue lexicon: which phrases point to which value of which dimension.

Built from the knowledge base YAML (the one source of knowledge), so that training a model needs no
database. Names and aliases of styles and motives count as cues too ("典型的老虎型").
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import yaml

from keqing import settings
from keqing.text.normalize import normalize

KNOWLEDGE_DIR = settings.KNOWLEDGE_DIR

# kind of knowledge item → profile dimension
KIND_DIMENSION = {
    "style": "style",
    "style_variant": "style",
    "motive": "motive",
    "grade": "grade",
    "stage": "stage",
    "regression": "regression",
    "signal": "signal",
}


@dataclass(frozen=True)
class Cue:
    dimension: str
    value: str
    phrase: str  # normalised (Simplified, half-width)


def _items(folder: Path) -> Iterable[dict]:
    for path in sorted(folder.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        yield from doc.get("items", [])


def load_lexicon(folder: Optional[Path] = None) -> List[Cue]:
    folder = Path(folder or KNOWLEDGE_DIR)
    items = list(_items(folder))
    by_id: Dict[str, dict] = {i["id"]: i for i in items if "id" in i}
    seen: Dict[tuple, Cue] = {}
    for item in items:
        dimension = KIND_DIMENSION.get(item.get("kind", ""))
        if not dimension:
            continue
        owner = by_id.get(item.get("parent", ""), item) if item["kind"] == "style_variant" else item
        value = owner["name"]
        phrases = list(item.get("cues") or [])
        if dimension in ("style", "motive"):
            phrases += [item["name"], *(item.get("aliases") or [])]
        for phrase in phrases:
            norm = normalize(str(phrase)).strip()
            if len(norm) < 2:
                continue
            key = (dimension, norm)
            if key in seen and seen[key].value != value:
                # A phrase claimed by two values of one dimension is no evidence for either.
                seen[key] = Cue(dimension, "", norm)
                continue
            seen.setdefault(key, Cue(dimension, value, norm))
    return [c for c in seen.values() if c.value]
