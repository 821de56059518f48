"""Account news in a message: which of the knowledge base's signals it reports (knowledge/signals.yml).

Eight opportunity signals (新产品上市, 采购时机, 人员变动, 产品质量, 服务抱怨, 关系弱点, 关系恶化, 降低成本) and
the regression signal. A cue that is negated in its clause ("没有换人") reports nothing.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import List, Tuple

from keqing.kb.normalize import trigger_pattern
from keqing.nlu.lexicon import load_lexicon
from keqing.nlu.scoring import negated
from keqing.text.normalize import normalize

REGRESSION = "关系倒退"  # the name a regression signal is stored under
_KB_REGRESSION_NAME = "份额下滑"


@dataclass(frozen=True)
class FoundSignal:
    name: str
    kind: str  # opportunity | regression
    start: int
    end: int
    cue: str


@functools.lru_cache(maxsize=1)
def _cues() -> List[Tuple[re.Pattern, str]]:
    """(pattern, signal) per cue, longest cue first; a cue of several words also matches with a few
    characters between them ("订单也少了" for 订单少了), within one clause."""
    cues = {c.phrase: c.value for c in load_lexicon() if c.dimension in ("signal", "regression")}
    return [(trigger_pattern(p), v) for p, v in sorted(cues.items(), key=lambda kv: -len(kv[0]))]


def find_signals(text: str) -> List[FoundSignal]:
    norm = normalize(text or "").lower()
    out: List[FoundSignal] = []
    seen = set()
    for pattern, value in _cues():
        m = pattern.search(norm)
        if m is None or negated(norm, m.start()):
            continue
        kind = "regression" if value in (_KB_REGRESSION_NAME, "客户关系倒退") else "opportunity"
        name = REGRESSION if kind == "regression" else value
        if name in seen:
            continue
        seen.add(name)
        out.append(FoundSignal(name, kind, m.start(), m.end(), (text or "")[m.start() : m.end()]))
    return out

