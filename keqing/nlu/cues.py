"""The knowledge base's cue phrases found in a message ("说一不二" → 支配型), with their spans as typed.

Phrases are matched on the normalised text (Simplified, half-width), longest first, never overlapping.
A phrase that sits inside a longer word of the segmenter ("主动" in "主动脉") is not a match: a cue is
only evidence when the rep wrote it as a word of its own.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable, List, Optional, Sequence

from keqing.nlu.lexicon import Cue
from keqing.nlu.scoring import Signal
from keqing.text.normalize import normalize
from keqing.text.tokenize import Tok

PHRASES_FILE = "cues.json"


class CueMatcher:
    def __init__(self, cues: Sequence[Cue]) -> None:
        self.cues = list(cues)
        self._by_phrase = {c.phrase: c for c in self.cues}
        phrases = sorted(self._by_phrase, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(p) for p in phrases)) if phrases else None

    @classmethod
    def build(cls, lexicon: Iterable[Cue]) -> CueMatcher:
        return cls(list(lexicon))

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        data = [[c.dimension, c.value, c.phrase] for c in self.cues]
        (folder / PHRASES_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> CueMatcher:
        data = json.loads((Path(folder) / PHRASES_FILE).read_text(encoding="utf-8"))
        return cls([Cue(d, v, p) for d, v, p in data])

    def match(self, text: str, tokens: Optional[Sequence[Tok]] = None) -> List[Signal]:
        norm = normalize(text)
        if self._pattern is None or not norm.strip():
            return []
        spans = [(tok.start, tok.end) for tok in tokens or ()]
        out: List[Signal] = []
        for m in self._pattern.finditer(norm):
            s, e = m.span()
            inside = [(ts, te) for ts, te in spans if ts < s < te or ts < e < te]
            if any(not _only_degree_or_particle(norm, ts, te, s, e) for ts, te in inside):
                continue  # a boundary of the phrase falls inside a word: part of a longer word
            cue = self._by_phrase[m.group(0)]
            out.append(Signal(cue.dimension, cue.value, s, e, 1.0, "lexicon"))
        return out


# jieba may join a degree adverb or a particle to an adjective ("挺强势", "强势的"): still the cue.
_DEGREE = re.compile(r"^(?:挺|很|特|太|超|蛮|真|好|比较|非常|特别|有点|有些)?$")
_PARTICLE = re.compile(r"^(?:的|了|得很|得要命)?$")


def _only_degree_or_particle(norm: str, ts: int, te: int, s: int, e: int) -> bool:
    """Is the word (ts, te) around the cue (s, e) only the cue with a degree adverb before or a particle after?"""
    return bool(_DEGREE.match(norm[ts:s] if ts < s else "")) and bool(_PARTICLE.match(norm[e:te] if te > e else ""))
