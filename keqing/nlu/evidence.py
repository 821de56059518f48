"""Evidence a rep can check: the words of their own message that carried a reading.

A classifier's pull towards a value is spread over the jieba tokens its features cover; adjacent tokens
that pull together form a phrase. A phrase always starts and ends on token boundaries of the text as
typed, is never a lone function word or a single character, and at most `MAX_PHRASES` are shown, the
strongest first.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Sequence, Tuple

from keqing.nlu.features import WORD_PREFIX, Gram
from keqing.text.tokenize import Tok

MAX_PHRASES = 3
MAX_PHRASE_CHARS = 10
# A token pulls with at least this share of the strongest token to join a phrase.
JOIN_SHARE = 0.35

# Words that never stand as evidence on their own (pronouns, particles, degree words, light verbs).
FUNCTION_WORDS = frozenset(
    "的 了 着 过 是 在 有 和 跟 与 及 或 也 都 就 还 又 再 才 很 挺 太 特别 非常 比较 有点 有些 一点 一下 一些 这 那 这个 那个 "
    "这些 那些 这种 那种 这样 那样 他 她 它 他们 她们 我 我们 咱们 你 你们 您 人 个 啊 呢 吧 吗 嘛 呀 哦 嗯 哈 说 讲 "
    "给 让 被 把 从 对 向 到 去 来 上 下 里 中 不 没 没有 会 能 要 想 得 地 之 而 但 但是 不过 可是 所以 因为 如果 然后 "
    "就是 其实 现在 目前 已经 一直 总是 老是 每次 今天 昨天 明天 上周 下周 这次 上次 还是 那边 这边 公司 客户 我们家 他们家"
    .split()
)
_PUNCT = re.compile(r"^[\W_]+$")


@dataclass(frozen=True)
class Phrase:
    start: int
    end: int
    score: float


def _is_content(text: str) -> bool:
    return bool(text) and not _PUNCT.match(text) and text not in FUNCTION_WORDS


def token_scores(tokens: Sequence[Tok], pulls: Iterable[Tuple[Gram, float]]) -> List[float]:
    """Each token's share of the pull: a feature's contribution goes to the tokens it overlaps,
    in proportion to the overlap (a word bigram to both of its words)."""
    scores = [0.0] * len(tokens)
    ends = [tok.end for tok in tokens]  # tokens are in text order: only those near the gram can overlap
    for gram, pull in pulls:
        if pull <= 0:
            continue
        span = gram.end - gram.start
        i = bisect.bisect_right(ends, gram.start)
        while i < len(tokens) and tokens[i].start < gram.end:
            tok = tokens[i]
            overlap = min(tok.end, gram.end) - max(tok.start, gram.start)
            if overlap > 0:
                weight = 1.0 if gram.key.startswith(WORD_PREFIX) else overlap / span
                scores[i] += pull * weight
            i += 1
    return scores


def phrases(text: str, tokens: Sequence[Tok], pulls: Iterable[Tuple[Gram, float]],
            limit: int = MAX_PHRASES) -> List[Phrase]:
    """The strongest phrases (runs of adjacent pulling tokens), best first."""
    if not tokens:
        return []
    scores = token_scores(tokens, pulls)
    best = max(scores)
    if best <= 0:
        return []
    keep = [s >= JOIN_SHARE * best and _is_content(t.text) for t, s in zip(tokens, scores)]
    # function words between two kept tokens stay inside the phrase ("说 一 不二"), not at its edges
    runs: List[Tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        if not keep[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and tokens[j + 1].start - tokens[j].end <= 0 and (
            keep[j + 1] or (j + 2 < len(tokens) and keep[j + 2] and not _PUNCT.match(tokens[j + 1].text))
        ):
            j += 1
        runs.append((i, j))
        i = j + 1
    out: List[Phrase] = []
    for i, j in runs:
        i, j = _trim(tokens, scores, i, j)
        piece = text[tokens[i].start : tokens[j].end]
        if len(piece.strip()) < 2:
            continue
        out.append(Phrase(tokens[i].start, tokens[j].end, sum(scores[i : j + 1])))
    out.sort(key=lambda p: -p.score)
    return out[:limit]


def _trim(tokens: Sequence[Tok], scores: Sequence[float], i: int, j: int) -> Tuple[int, int]:
    """Shorten an over-long run to its strongest window of at most MAX_PHRASE_CHARS characters."""
    while tokens[j].end - tokens[i].start > MAX_PHRASE_CHARS and i < j:
        if scores[i] <= scores[j]:
            i += 1
        else:
            j -= 1
        while i < j and not _is_content(tokens[i].text):
            i += 1
        while j > i and not _is_content(tokens[j].text):
            j -= 1
    return i, j


def on_boundaries(text: str, evidence: str, tokens: Sequence[Tok]) -> bool:
    """Does `evidence` occur in `text` starting and ending on token boundaries?"""
    starts = {t.start for t in tokens}
    ends = {t.end for t in tokens}
    pos = text.find(evidence)
    while pos >= 0:
        if pos in starts and pos + len(evidence) in ends:
            return True
        pos = text.find(evidence, pos + 1)
    return False


def boundary_rate(samples: Iterable[Tuple[str, Sequence[str], Sequence[Tok]]]) -> Dict[str, int]:
    """{"on": n, "off": m} over (text, evidence strings, tokens) triples (the acceptance measure)."""
    on = off = 0
    for text, evidence, tokens in samples:
        for ev in evidence:
            if on_boundaries(text, ev, tokens):
                on += 1
            else:
                off += 1
    return {"on": on, "off": off}
