"""Facts about the business that reps state outright, read by rule because a stated fact outranks a guess:

- our supplier position ("我们是他们的主供", "只是备用供应商", "primary vendor") and the
relationship stage it implies (knowledge/stages.yml: 稳定合作 is the customer's main supplier, 初期合作 a second
or backup source, 战略合作 the sole or strategic one); used when the text gives no share;
- a customer comparing several suppliers before deciding (knowledge/grades.yml: B, a need with doubts left),
  used when the classifier read no grade."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from keqing.text.normalize import normalize

_POSITIONS = (
    ("战略合作", r"独家供应商|唯一(?:的)?供应商|独家供货|战略供应商|战略合作伙伴|sole (?:supplier|source|vendor)|"
                 r"exclusive (?:supplier|vendor)|strategic (?:supplier|partner)"),
    ("稳定合作", r"主供(?!那家)|主力(?:供应商|厂商|供货商|厂家)|主要供应商|第一供应商|头号供应商|"
                 r"(?:primary|main|major) (?:vendor|supplier|source)"),
    ("初期合作", r"二供|三供|备用供应商|备选供应商|次要供应商|后备供应商|辅助供应商|补充供应商|"
                 r"(?:second|backup|secondary|alternative) (?:source|supplier|vendor)"),
)
_PATTERN = re.compile("|".join(f"(?P<s{i}>{p})" for i, (_, p) in enumerate(_POSITIONS)), re.I)
_CLAUSE = re.compile(r"[,，。!！?？;；\n]")
_OURS = re.compile(r"我们|咱们|我司|我方|我們|\bwe\b|\bour\b|\bus\b", re.I)
_OTHERS = re.compile(r"对手|竞品|别家|另一家|另外一家|那家|友商|台资|日系|外资|老供应商|原供应商|他们家|competitor", re.I)
_WANTED = re.compile(r"(?:想|希望|争取|目标是?|力争|打算|冲击|want to|aim to)[^,，。]{0,10}$", re.I)
_NEGATED = re.compile(r"(?:不是|算不上|谈不上|称不上|还不是|并非|没当上|当不上|不算|not|no longer)[^,，。]{0,6}$", re.I)


@dataclass(frozen=True)
class Stated:
    """A stated fact: the value it gives (a stage, a grade) and the words, as typed."""

    value: str
    start: int
    end: int
    text: str


def _clause_before(norm: str, start: int) -> str:
    left = max([0] + [c.end() for c in _CLAUSE.finditer(norm, 0, start)])
    return norm[left:start]


def supplier_position(text: str) -> Optional[Stated]:
    """The last position the text states for us (not negated, not a competitor's), else None."""
    norm = normalize(text or "")
    found: Optional[Stated] = None
    for m in _PATTERN.finditer(norm):
        stage = _POSITIONS[int(next(k for k, v in m.groupdict().items() if v)[1:])][0]
        before = _clause_before(norm, m.start())
        if _NEGATED.search(before) or _WANTED.search(before):
            continue
        if _OTHERS.search(before) and not _OURS.search(before):
            continue  # "他们的主供是一家台资厂" is not us
        after = norm[m.end():m.end() + 10]
        if re.match(r"(?:一直|现在|目前|还)?(?:是|为|换成了?)", after) and not _OURS.search(after):
            continue  # the position is the subject: "他们的主供是一家台资厂"
        found = Stated(stage, m.start(), m.end(), text[m.start():m.end()])
    return found


_COMPARING = re.compile(
    r"(?:货比|比较|对比|比一比|比)(?:一下)?(?:[两二三四几多]|好几)家|(?:[两三几]|好几)家(?:之间)?(?:在|还在|一起)?(?:比|比较|对比|比价|pk)|"
    r"在(?:我们|咱们)和[^,，。]{1,10}之间|(?:两|几)家之间(?:摇摆|犹豫|权衡|选)|还在(?:比较|对比|比价|评估)|"
    r"compar(?:e|ing) (?:us|vendors|suppliers|quotes)", re.I)


def comparing_suppliers(text: str) -> Optional[Stated]:
    """"还要比三家参数才决定": the customer weighs several suppliers (grade B), unless negated."""
    norm = normalize(text or "")
    for m in _COMPARING.finditer(norm):
        if re.search(r"(?:不|没|不用|不再|没有|别)[^,，。]{0,3}$", _clause_before(norm, m.start())):
            continue
        return Stated("B", m.start(), m.end(), text[m.start():m.end()])
    return None
