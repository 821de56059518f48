"""Annotation spans: where a cue sits in a (masked) text, and Rasa annotation syntax in and out."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import (
    Iterable,
    List,
    Sequence,
)

from keqing.learn.masking import MaskResult
from keqing.text.normalize import normalize

logger = logging.getLogger(__name__)

# Degree words around a cue in a correction ("他其实挺随和的" → 随和).
_DEGREE_PREFIX = re.compile(r"^(?:其实|真的|确实|还挺|还算|挺|很|特别|非常|比较|蛮|太|超|真|十分|相当|极其|最|更|有点儿?|有些|是个|是)")
_DEGREE_SUFFIX = re.compile(r"(?:的人|的|了|啊|呢|吧|哦)$")

# Rasa's annotation syntax `[text](entity)`; used to read existing examples as plain text.
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+?)\](?:\([^)]*\)|\{[^}]*\}|\[[^\]]*\])")
_ANNOTATION_CHARS = {"(": "\uff08", "{": "\uff5b", "[": "\uff3b"}  # full-width (｛［

# ------------------------------------------------------------------------------------------ spans


@dataclass(frozen=True)
class Span:
    start: int  # in the masked text
    end: int
    entity: str


def _occurrences(haystack: str, needle: str) -> List[int]:
    out, pos = [], haystack.find(needle) if needle else -1
    while pos >= 0:
        out.append(pos)
        pos = haystack.find(needle, pos + 1)
    return out


def _negated(norm: str, start: int) -> bool:
    from keqing.nlu.scoring import negated

    return negated(norm, start)


def _cue_cores(evidence: str) -> List[str]:
    """The evidence and the evidence without degree words around it ("挺随和的" → "随和")."""
    out = [normalize(evidence).strip()]
    core = out[0]
    for _ in range(3):
        core = _DEGREE_SUFFIX.sub("", _DEGREE_PREFIX.sub("", core)).strip()
    if core and core not in out:
        out.append(core)
    return [c for c in out if len(c) >= 2]


_DEGREE_BEFORE = re.compile(r"(?:很|挺|特别|非常|比较|蛮|太|超|真|十分|相当)$")


def _with_degree(text: str, masked: MaskResult, span: Span) -> Span:
    """Include a degree word right before the cue, as the training data does ("看着[很随和]")."""
    m = _DEGREE_BEFORE.search(masked.text[: span.start])
    if m and not _negated(normalize(masked.text), m.start()):
        return Span(m.start(), span.end, span.entity)
    return span


def _spans_of(text: str, masked: MaskResult, needles: Iterable[str], entity: str, normalised: bool,
              skip_negated: bool = True) -> List[Span]:
    """Spans (masked-text offsets) of every un-negated occurrence of the needles in `text`."""
    hay = normalize(text) if normalised else text
    norm = normalize(text)
    spans: List[Span] = []
    for needle in needles:
        if not needle or not needle.strip():
            continue
        for start in _occurrences(hay, needle):
            end = start + len(needle)
            if skip_negated and _negated(norm, start):
                continue
            mapped = masked.map_span(start, end)
            if mapped and not any(s.start < mapped[1] and s.end > mapped[0] for s in spans):
                spans.append(Span(mapped[0], mapped[1], entity))
    return spans


def _merge(groups: Sequence[List[Span]]) -> List[Span]:
    """Spans from groups in priority order; a span overlapping an earlier one is dropped."""
    taken: List[Span] = []
    for group in groups:
        for s in group:
            if s.end > s.start and not any(t.start < s.end and t.end > s.start for t in taken):
                taken.append(s)
    return sorted(taken, key=lambda s: s.start)


def _sanitize(plain: str) -> str:
    """Plain text must not read as annotation: `](` `]{` `][` get a full-width bracket."""
    return re.sub(r"\]([({\[])", lambda m: "]" + _ANNOTATION_CHARS[m.group(1)], plain)


def render_example(text: str, spans: Sequence[Span]) -> str:
    """Rasa's inline annotation: `[说一不二](style_dominant)`."""
    out, pos = [], 0
    for s in sorted(spans, key=lambda s: s.start):
        piece = text[s.start : s.end]
        if s.start < pos or not piece.strip() or any(c in piece for c in "[]()\n"):
            continue
        out.append(_sanitize(text[pos : s.start]))
        out.append(f"[{piece}]({s.entity})")
        pos = s.end
    out.append(_sanitize(text[pos:]))
    return "".join(out).strip()


def plain_text(example: str) -> str:
    """An annotated example as the text the model sees."""
    return _ANNOTATION.sub(lambda m: m.group("text"), example)


def dedup_key(text: str) -> str:
    """Same example = same characters after normalisation, ignoring case, spaces and punctuation."""
    return "".join(ch for ch in normalize(plain_text(text)).lower() if ch.isalnum())
