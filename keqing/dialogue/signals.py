"""Account news in a message: which of the knowledge base's signals it reports (knowledge/signals.yml).

Eight opportunity signals (新产品上市, 采购时机, 人员变动, 产品质量, 服务抱怨, 关系弱点, 关系恶化, 降低成本) and
the regression signal. A cue that is negated in its clause ("没有换人") reports nothing.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

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
def _matcher() -> Tuple[Optional[re.Pattern], dict]:
    cues = {c.phrase: c.value for c in load_lexicon() if c.dimension in ("signal", "regression")}
    if not cues:
        return None, {}
    pattern = re.compile("|".join(re.escape(p) for p in sorted(cues, key=len, reverse=True)))
    return pattern, cues


def find_signals(text: str) -> List[FoundSignal]:
    pattern, cues = _matcher()
    norm = normalize(text or "")
    if pattern is None:
        return []
    out: List[FoundSignal] = []
    seen = set()
    for m in pattern.finditer(norm):
        if negated(norm, m.start()):
            continue
        value = cues[m.group(0)]
        kind = "regression" if value in (_KB_REGRESSION_NAME, "客户关系倒退") else "opportunity"
        name = REGRESSION if kind == "regression" else value
        if name in seen:
            continue
        seen.add(name)
        out.append(FoundSignal(name, kind, m.start(), m.end(), (text or "")[m.start() : m.end()]))
    return out
