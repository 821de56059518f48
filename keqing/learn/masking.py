"""Mask personal and commercial data in conversation text before anything is written to disk.

Masked: e-mail addresses → [邮箱], Chinese ID numbers (18 digits/X, old 15-digit form) → [证件号],
mobile numbers (1[3-9] + 9 digits, with +86 and spaces/hyphens), landlines (0xx(x)-xxxxxxx(x), (0xx)…,
400/800 numbers) → [电话], bank-card-like digit runs (12–19 digits, groups allowed) → [卡号], money
amounts (¥/￥/$/人民币 + number; number + 元/块/万/亿/w; Chinese numerals such as 八十万, 三千块,
ranges such as 50-80万) → [金额].

People and companies are pseudonymised (个人信息保护法): the surname goes, the title stays, so the text
still reads as a description of a person — 王总 → 某总, 欧阳总 → 某总, 李经理 → 某经理, 老周 → 老某,
周建国 → 某某, "采购总监姓贺" → 姓某, Kevin → 某人; a company keeps only its business word —
宏远机械 → 某机械, 华瑞电子有限公司 → 某有限公司 (`keqing.text.names.find_names`,
`keqing.text.accounts.find_account`).

Share expressions (三成, 85%, 百分之八十五, 一半多) and plain counts (五万台, 一万人) are left alone: the
NLU needs them and they identify nobody.

Patterns run on `keqing.text.normalize.normalize(text)` (half-width, same length as the input), replacements are
applied to the text as typed. `MaskResult.map_span` maps an offset range of the original text onto the
masked text, so annotation spans are computed after masking and stay correct; a span that covers a
pseudonymised name keeps covering it (`[王总](customer)` → `[某总](customer)`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from keqing.text.accounts import _BUSINESS, find_account
from keqing.text.names import find_names, split_title
from keqing.text.normalize import normalize

PLACEHOLDERS: Dict[str, str] = {
    "email": "[邮箱]",
    "id_number": "[证件号]",
    "phone": "[电话]",
    "card": "[卡号]",
    "money": "[金额]",
    "person": "某人",  # the usual replacement is built from the name (某总, 老某)
    "company": "某公司",
}
# Kinds whose replacement stands for the same thing, so an annotation over it stays valid.
PSEUDONYMS = frozenset({"person", "company"})

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
        a masked region (its content is gone); a pseudonymised name inside the range is kept in it."""
        shift = inner = 0
        for s in self.spans:
            delta = (s.masked_end - s.masked_start) - (s.end - s.start)
            if s.end <= start:
                shift += delta
            elif s.start >= end:
                continue
            elif s.kind in PSEUDONYMS and start <= s.start and s.end <= end:
                inner += delta
            else:
                return None
        return start + shift, end + shift + inner


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


_BUSINESS_END = re.compile(rf"(?:{_BUSINESS})$")
_LEGAL_FORM = "(?:股份有限公司|有限责任公司|有限公司|股份公司|集团|公司)"
_LEGAL_AFTER = re.compile(rf"(?:\(中国\)|（中国）)?{_LEGAL_FORM}")
_LEGAL_END = re.compile(rf"(?:\(中国\)|（中国）)?{_LEGAL_FORM}$")
_NAME_BEFORE = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,8}$")
_NOT_A_COMPANY = re.compile(r"[的了是在]|^[一二两三四五六七八九十百千万几\d]")
_NOT_IN_NAME = re.compile(r"^.*[的到了在去是见和跟与给对从]")


def _company_spans(text: str, taken: List[Tuple[int, int, str]]) -> List[Tuple[int, int, str]]:
    found: List[Tuple[int, int, str]] = []
    work = text
    for _ in range(8):  # a description names a handful of companies at most
        name = find_account(work)
        if not name:
            break
        start = work.find(name)
        if start < 0:
            break
        end = start + len(name)
        legal = _LEGAL_AFTER.match(normalize(text[end:]))
        if legal:
            end += legal.end()
        if _LEGAL_END.fullmatch(normalize(name)):  # only "有限公司" was found: take the name before it
            before = _NAME_BEFORE.search(normalize(text[:start]))
            if before and _BUSINESS_END.search(before.group()):
                cut = _NOT_IN_NAME.match(before.group())
                start = before.start() + (cut.end() if cut else 0)
        work = work[:start] + "\u3000" * (end - start) + work[end:]  # never found again, offsets kept
        if _NOT_A_COMPANY.search(text[start:end]):
            continue  # "一万人的厂": a description, not a name
        if not any(start < e and end > s for s, e, _ in taken + found):
            found.append((start, end, "company"))
    return found


def _person_spans(text: str, taken: List[Tuple[int, int, str]]) -> List[Tuple[int, int, str]]:
    return [(n.start, n.end, "person") for n in find_names(text)
            if n.end > n.start and not any(n.start < e and n.end > s for s, e, _ in taken)]


def pseudonym(kind: str, original: str) -> str:
    """The replacement of one person or company name (see the module's docstring)."""
    if kind == "company":
        legal = _LEGAL_END.search(normalize(original))
        core = original[: legal.start()] if legal and legal.start() > 0 else original
        m = _BUSINESS_END.search(normalize(core))
        return "某" + (core[m.start():] if m else "") + (original[legal.start():] if legal and legal.start() > 0 else "") \
            if (m or legal) else "某公司"
    norm = normalize(original)
    if re.fullmatch(r"[A-Za-z .]+", norm):
        return "某人"
    if len(norm) == 2 and norm[0] in "老小" and norm[1] not in "总经工":
        return norm[0] + "某"
    surname, title = split_title(original)
    if surname and title:
        return "某" + title
    if len(norm) <= 2:
        return "某"  # a surname on its own (姓贺)
    return "某某"  # a full name


def find_sensitive_and_names(text: str) -> List[Tuple[int, int, str]]:
    """`find_sensitive` plus the companies and the people named in `text`."""
    taken = find_sensitive(text)
    taken += _company_spans(text, taken)
    taken += _person_spans(text, taken)
    return sorted(taken)


def mask(text: Optional[str]) -> MaskResult:
    """Replace every sensitive span of `text` by its placeholder, names by pseudonyms."""
    text = text or ""
    parts: List[str] = []
    spans: List[MaskedSpan] = []
    pos = 0
    out_len = 0
    for start, end, kind in find_sensitive_and_names(text):
        parts.append(text[pos:start])
        out_len += start - pos
        placeholder = pseudonym(kind, text[start:end]) if kind in PSEUDONYMS else PLACEHOLDERS[kind]
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
