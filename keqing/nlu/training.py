"""What the NLU models learn from, in the project's training data terms (no Rasa types).

- the labels of a description: the writer's labels in the example's metadata (`labels`) when present,
  else the value annotated most often per dimension (docs/conventions.md);
- the words a model's segmenter must know: the knowledge base's cue phrases and the annotated cue spans,
  so that cues are tokens of their own.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional

from keqing.taxonomy import CATEGORICAL, ENTITY_VALUES
from keqing.text.normalize import normalize

MAX_PHRASE = 10


def profile_labels(entities: Iterable[Mapping[str, Any]], metadata: Optional[Mapping[str, Any]]) -> Dict[str, Optional[str]]:
    labels = (metadata or {}).get("labels") if isinstance(metadata, Mapping) else None
    if isinstance(labels, Mapping):
        return {d: (str(labels[d]) if labels.get(d) is not None else None) for d in CATEGORICAL}
    values: Dict[str, List[str]] = defaultdict(list)
    for ent in entities:
        mapped = ENTITY_VALUES.get(str(ent.get("entity", "")))
        if mapped:
            values[mapped[0]].append(mapped[1])
    return {d: (max(set(values[d]), key=values[d].count) if values[d] else None) for d in CATEGORICAL}


def has_labels(entities: Iterable[Mapping[str, Any]], metadata: Optional[Mapping[str, Any]]) -> bool:
    """Does the example say anything about the profile (labels, or at least one cue annotation)?"""
    if isinstance(metadata, Mapping) and isinstance(metadata.get("labels"), Mapping):
        return True
    return any(ENTITY_VALUES.get(str(e.get("entity", ""))) for e in entities)


def annotated_phrases(text: str, entities: Iterable[Mapping[str, Any]]) -> List[str]:
    out = []
    for ent in entities:
        start, end = ent.get("start"), ent.get("end")
        if isinstance(start, int) and isinstance(end, int):
            span = normalize(text[start:end]).strip()
            if 2 <= len(span) <= MAX_PHRASE and " " not in span:
                out.append(span)
    return out


# What a trained component depends on beyond its Rasa inputs: Rasa's component cache only sees the training
# data and the config, so a change to the knowledge base's cues or to the core's NLU code alone would restore a
# stale component from the cache (seen: a new cue missing from a retrained model).
_ROOT = Path(__file__).resolve().parents[2]
_INPUTS = ("knowledge", "keqing/nlu", "keqing/text", "keqing/compliance", "keqing/resources", "keqing/taxonomy.py")


def training_inputs_digest(root: Path = _ROOT) -> str:
    """A short hash of the knowledge base and the core code the NLU components train with."""
    digest = hashlib.sha256()
    for name in _INPUTS:
        path = root / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()
                                                      and p.suffix in (".yml", ".py", ".txt", ".json"))
        for f in files:
            digest.update(str(f.relative_to(root)).encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()[:16]
