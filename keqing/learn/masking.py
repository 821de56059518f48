"""Mask personal and commercial data in conversation text before anything is written to disk.

Masked: e-mail addresses → [邮箱], Chinese ID numbers (18 digits/X, old 15-digit form) → [证件号],
mobile numbers (1[3-9] + 9 digits, with +86 and spaces/hyphens), landlines (0xx(x)-xxxxxxx(x), (0xx)…,
400/800 numbers) → [电话], bank-card-like digit runs (12–19 digits, groups allowed) → [卡号], money
amounts (¥/￥/$/人民币 + number; number + 元/块/万/亿/w; Chinese numerals such as 八十万, 三千块,
ranges such as 50-80万) → [金额].

Share expressions (三成, 85%, 百分之八十五, 一半多) and plain counts (五万台, 一万人) are left alone: the
NLU needs them and they identify nobody.

Patterns run on `keqing.text.normalize.normalize(text)` (half-width, same length as the input), replacements are
applied to the text as typed. `MaskResult.map_span` maps an offset range of the original text onto the
masked text, so annotation spans are computed after masking and stay correct.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from keqing.text.normalize import normalize

PLACEHOLDERS: Dict[str, str] = {
    "email": "[邮箱]",
    "id_number": "[证件号]",
    "phone": "[电话]",
    "card": "[卡号]",
    "money": "[金额]",
}

_EMAIL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

_ID_18 = r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
_ID_15 = r"[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}"
_ID = re.compile(rf"(?<![0-9A-Za-z])(?:{_ID_18}|{_ID_15})(?![0-9A-Za-z])")

_MOBILE = r"(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}"
_LANDLINE = r"(?:\(0\d{2,3}\)|0\d{2,3})[ -]?[2-9]\d{6,7}(?:(?:-|\s*转\s*|\s*ext\.?\s*)\d{1,6})?"
_SERVICE = r"[48]00[ -]?\d{3}[ -]?\d{4}"
_PHONE = re.compile(rf"(?<![\dA-Za-z])(?:{_MOBILE}|{_LANDLINE}|{_SERVICE})(?!\d)")

_CARD = re.compile(r"(?<![\dA-Za-z])\d(?:[ -]?\d){11,18}(?!\d)")

# -- money -----------------------------------------------------------------------------------
_CN_DIGIT = "零〇一二两三四五六七八九"
_CN_NUM = rf"(?:[几数{_CN_DIGIT}十百千]*[几数{_CN_DIGIT}][几数{_CN_DIGIT}十百千]*|[十百千][几数{_CN_DIGIT}十百千]+)(?:点[{_CN_DIGIT}]+)?"
_AR_NUM = r"\d(?:[\d,]*\d)?(?:\.\d+)?"
# measure words after 万/亿 that make a count, not an amount: 五万台, 一万人
_MEASURE = "台个件吨人套只箱张次平米辆份部条支盒瓶袋包片根户家位名所间座亩斤公升瓦字"
_BIG = r"(?:[十百千]?万|[十百千]?亿)"
_CURRENCY_WORD = r"(?:元|圆|块钱|人民币|美元|美金|欧元|港币)"
_MONEY_UNIT = rf"(?:{_BIG}?(?:{_CURRENCY_WORD}|块|刀)|{_BIG}(?![{_MEASURE}])|[wW](?![A-Za-z]))"
_AR_RANGE = rf"{_AR_NUM}(?:\s*(?:-|~|～|到|至)\s*{_AR_NUM})?"
_CN_RANGE = rf"{_CN_NUM}(?:\s*(?:-|~|～|到|至)\s*{_CN_NUM})?"
# Chinese numerals: 八十万, 两千万, 五块钱, 三千块 — but not 一块(儿), 两块 (pieces / together)
_CN_MONEY = (
    rf"{_CN_RANGE}\s*(?:{_BIG}?{_CURRENCY_WORD}|{_BIG}(?:块|刀)?(?![{_MEASURE}]))"
    rf"|[{_CN_DIGIT}几数十百千]*[十百千][{_CN_DIGIT}几数十百千]*\s*(?:块|刀)"
)
_MONEY = re.compile(
    rf"(?:[¥￥$]|RMB|rmb|CNY|人民币|美元|USD)\s*(?:{_AR_RANGE}|{_CN_RANGE})(?:\s*{_MONEY_UNIT})?"
    rf"|(?<![\dA-Za-z.]){_AR_RANGE}\s*{_MONEY_UNIT}"
    rf"|(?<![{_CN_DIGIT}十百千几数]){_CN_MONEY}"
)

# kind → pattern, in priority order (an earlier kind wins an overlap)
PATTERNS: List[Tuple[str, re.Pattern[str]]] = [
    ("email", _EMAIL),
    ("id_number", _ID),
    ("phone", _PHONE),
    ("card", _CARD),
    ("money", _MONEY),
]


@dataclass(frozen=True)
class MaskedSpan:
    kind: str
    start: int  # in the original text
    end: int
    masked_start: int  # in the masked text
    masked_end: int


@dataclass(frozen=True)
class MaskResult:
    original: str
    text: str
    spans: Tuple[MaskedSpan, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> bool:
        return bool(self.spans)

    def kinds(self) -> Dict[str, int]:
        out: Dict[str, int] = {}
        for s in self.spans:
            out[s.kind] = out.get(s.kind, 0) + 1
        return out

    def map_span(self, start: int, end: int) -> Optional[Tuple[int, int]]:
        """The range [start, end) of the original text in the masked text, or None when it overlaps
        a masked region (its content is gone)."""
        shift = 0
        for s in self.spans:
            if s.end <= start:
                shift += (s.masked_end - s.masked_start) - (s.end - s.start)
            elif s.start < end:
                return None
        return start + shift, end + shift


def find_sensitive(text: str) -> List[Tuple[int, int, str]]:
    """Non-overlapping (start, end, kind) spans of `text`, sorted by start."""
    norm = normalize(text)
    taken: List[Tuple[int, int, str]] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(norm):
            start, end = m.start(), m.end()
            while end > start and norm[end - 1] in " -":  # never swallow a trailing separator
                end -= 1
            if end <= start or any(start < e and end > s for s, e, _ in taken):
                continue
            taken.append((start, end, kind))
    return sorted(taken)


def mask(text: Optional[str]) -> MaskResult:
    """Replace every sensitive span of `text` by its placeholder."""
    text = text or ""
    parts: List[str] = []
    spans: List[MaskedSpan] = []
    pos = 0
    out_len = 0
    for start, end, kind in find_sensitive(text):
        parts.append(text[pos:start])
        out_len += start - pos
        placeholder = PLACEHOLDERS[kind]
        spans.append(MaskedSpan(kind, start, end, out_len, out_len + len(placeholder)))
        parts.append(placeholder)
        out_len += len(placeholder)
        pos = end
    parts.append(text[pos:])
    return MaskResult(text, "".join(parts), tuple(spans))


def mask_text(text: Optional[str]) -> str:
    return mask(text).text


def mask_value(value: Any) -> Any:
    """Mask every string inside a JSON-like value (dicts, lists, tuples)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_value(v) for v in value]
    return value
