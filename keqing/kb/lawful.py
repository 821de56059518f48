"""Lawfulness check: no KB text may recommend kickbacks, personal rebates, red envelopes, bribes
or gifts to win business (docs/knowledge-schema.md, "Lawfulness").

The check works per clause (text between ，。；！？ and newlines):
- in advice fields (tactics, communicate, phone, scripts, steps, questions, ...) a clause that
  mentions a forbidden term must also carry a negation/prohibition/warning;
- in descriptive fields (definition, traits, cues, ...) the customer may be *described* as
  asking for such things, so only clauses that also use advice wording are checked;
- compliance items, `compliance` notes and `avoid` lists are exempt (they exist to say no).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, List, Tuple

from keqing.kb.schema import Item

FORBIDDEN = ("回扣", "返点", "红包", "好处费", "贿赂", "行贿", "送礼", "塞钱", "礼金", "回佣", "购物卡", "意思意思",
             "感谢费", "茶水费", "打点")
# Phrases with a negation character that say the opposite: the act is fine ("送礼准没错", "不会有风险").
AFFIRMING = (
    "准没错", "没错", "没问题", "不会有风险", "没有风险", "没风险", "无风险", "不违法", "不犯法", "不算违法", "不算行贿",
    "无妨", "不要紧", "不碍事", "不会出事", "不会被发现", "没人知道", "没人会知道", "不怕", "无所谓", "不用担心",
    "不用怕", "不用顾虑", "不会被查", "查不到", "不吃亏", "少不了", "不可少", "不能少", "不能省", "省不了", "不可或缺",
    "不二法门", "没有不", "无往不利", "不失为",
)
NEGATIONS = (
    "不", "没", "无", "别", "勿", "莫", "禁止", "严禁", "切勿", "杜绝", "拒绝", "避免", "违法", "违规",
    "违反", "非法", "犯罪", "构成", "风险", "代替", "替代", "取代", "而非", "法律责任", "婉拒", "谢绝", "推掉", "回绝",
)
# Words containing a negation character that do not negate anything.
FALSE_NEGATIONS = (
    "不妨", "不错", "不少", "不断", "不仅", "不管", "不论", "不光", "不止", "别人", "别家", "特别", "分别",
    "个别", "区别", "级别", "类别", "无论", "无疑", "无非",
)
ADVICE_WORDS = ("建议", "可以", "应该", "应当", "最好", "不妨", "搞定", "有效", "管用", "记得", "适当", "准备", "安排")
# 返点 to the customer's company, openly booked, is lawful; to a person it is not.
REBATE_LAWFUL = ("公开", "明示", "入账", "合同", "对公", "公司账户", "发票", "如实")
REBATE_PERSONAL = ("个人", "本人", "私下", "私人", "自己", "采购员", "经办人")

EXEMPT_FIELDS = {"compliance", "avoid", "limits"}  # they exist to draw the line
DESCRIPTIVE_FIELDS = {"name", "aliases", "definition", "traits", "cues", "regression_signs", "opportunities.name",
                      "opportunities.description", "source", "id", "kind", "group", "animal", "parent", "stages"}
_CLAUSE_SPLIT = re.compile(r"[，,。；;！!？?\n]+")


@dataclass(frozen=True)
class Finding:
    item_id: str
    field: str
    clause: str
    term: str

    def __str__(self) -> str:
        return f"{self.item_id} [{self.field}]: “{self.clause}” mentions {self.term} without a prohibition"


def _walk(value: Any, path: str) -> Iterator[Tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, sub in value.items():
            yield from _walk(sub, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for sub in value:
            yield from _walk(sub, path)


def iter_texts(item: Item) -> Iterator[Tuple[str, str]]:
    """(field path, text) for every string of the item, e.g. ('steps.details', '...')."""
    yield from _walk(item.dict(), "")


def _negated(clause: str) -> bool:
    cleaned = clause
    for word in AFFIRMING + FALSE_NEGATIONS:
        cleaned = cleaned.replace(word, "")
    return any(neg in cleaned for neg in NEGATIONS)


def _mentions(clause: str, term: str) -> bool:
    """The term, also with a word or two inside it ("送点礼", "塞个钱")."""
    if len(term) == 2:
        return re.search(re.escape(term[0]) + r"[^，,。；;！!？?]{0,2}" + re.escape(term[1]), clause) is not None
    return term in clause


def clause_findings(text: str) -> List[Tuple[str, str]]:
    """(clause, term) pairs of `text` that mention a forbidden term, or have the shape of a bribe (a benefit
    for a private person, with concealment: keqing.compliance.patterns), with no prohibition."""
    from keqing.compliance.patterns import hits
    from keqing.text.normalize import normalize

    found = []
    for clause in _CLAUSE_SPLIT.split(normalize(text or "")):
        if _negated(clause):
            continue
        for term in FORBIDDEN:
            if not _mentions(clause, term):
                continue
            if term == "返点" and any(w in clause for w in REBATE_LAWFUL) and not any(
                w in clause for w in REBATE_PERSONAL
            ):
                continue
            found.append((clause.strip(), term))
            break
        else:
            shape = [h for h in hits(clause) if h.category is None and h.score >= 0.9]
            if shape:
                found.append((clause.strip(), "+".join(shape[0].words)))
    return found


def check_item(item: Item) -> List[Finding]:
    if item.kind == "compliance":
        return []
    findings = []
    for field, text in iter_texts(item):
        top = field.split(".")[0]
        if top in EXEMPT_FIELDS:
            continue
        descriptive = field in DESCRIPTIVE_FIELDS or top in DESCRIPTIVE_FIELDS
        for clause, term in clause_findings(text):
            if descriptive and not any(w in clause for w in ADVICE_WORDS):
                continue  # describes the customer, recommends nothing
            findings.append(Finding(item.id, field, clause, term))
    return findings


def check_items(items: Iterable[Item]) -> List[Finding]:
    return [finding for item in items for finding in check_item(item)]
