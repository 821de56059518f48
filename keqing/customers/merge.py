"""How stored readings of a customer combine into the current profile: memory that only gets better.

Candidates per dimension come from assessments (NLU readings of the rep's descriptions), stage statements
and corrections, each with its sequence number (a per-rep order of events). The rules:

- a correction of a person trait (style, motive, grade) always wins, whatever comes before or after it;
- readings of a person trait: a later, different reading replaces the current one only when it is at
  least as sure and at least as well supported (as many pieces of evidence, counting up to two): a passing
  remark ("今天他好像心情不错") never overwrites a reading from a full description; a repeated reading of
  the same value keeps the higher confidence;
- stage and share describe the business, which changes over time: the latest statement wins.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, Iterable, List, Optional

from keqing.customers.records import PERSON_DIMENSIONS, DimensionValue

SUPPORT_CAP = 2  # pieces of evidence that count towards how well a reading is supported


def _support(value: DimensionValue) -> int:
    return min(len(value.evidence), SUPPORT_CAP)


def _replaces(new: DimensionValue, current: DimensionValue) -> bool:
    return (new.confidence or 0.0) >= (current.confidence or 0.0) and _support(new) >= _support(current)


@dataclass(frozen=True)
class Candidate:
    dimension: str
    seq: int
    value: DimensionValue


def _fold_readings(readings: List[Candidate]) -> Optional[DimensionValue]:
    current: Optional[DimensionValue] = None
    for cand in sorted(readings, key=lambda c: c.seq):
        new = cand.value
        if current is None:
            current = new
        elif new.value == current.value:
            best = max(current.confidence or 0.0, new.confidence or 0.0)
            evidence = tuple(dict.fromkeys(new.evidence + current.evidence))[:3]
            current = replace(new, confidence=best, evidence=evidence)
        elif _replaces(new, current):
            current = new
    return current


def merge(candidates: Iterable[Candidate]) -> Dict[str, DimensionValue]:
    by_dim: Dict[str, List[Candidate]] = {}
    for cand in candidates:
        by_dim.setdefault(cand.dimension, []).append(cand)
    out: Dict[str, DimensionValue] = {}
    for dim, cands in by_dim.items():
        corrections = [c for c in cands if c.value.source == "correction"]
        if dim in PERSON_DIMENSIONS:
            if corrections:
                out[dim] = max(corrections, key=lambda c: c.seq).value
                continue
            folded = _fold_readings([c for c in cands if c.value.source == "assessment"])
            if folded is not None:
                out[dim] = folded
        else:
            out[dim] = max(cands, key=lambda c: c.seq).value
    return out
