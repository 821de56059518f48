"""Replies about what a message changed: each person's reading with its evidence, and account news."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from keqing.dialogue.replies.base import BTN_NEXT, BTN_OPPORTUNITIES, BTN_SCRIPT, Reply, _bullets, _quote, pack
from keqing.taxonomy import DIMENSION_LABELS, STAGES, label

ORDER = ("style", "motive", "grade", "stage", "share")


@dataclass
class PersonUpdate:
    name: str
    changes: List[Dict[str, Any]]  # dimension, before, after, read, evidence
    created: bool = False
    placeholder: bool = False
    renamed_from: Optional[str] = None
    notes: List[str] = field(default_factory=list)
    known: Dict[str, Any] = field(default_factory=dict)  # what is on record, said back after a renaming


def _value(dim: str, value: Any) -> str:
    return label(dim, value) if dim != "share" else f"约{value}%"


def _change_text(c: Dict[str, Any]) -> Optional[str]:
    dim, before, after, read = c["dimension"], c["before"], c["after"], c["read"]
    if dim == "share" and c.get("_with_stage"):
        return None
    name = DIMENSION_LABELS.get(dim, dim)
    quoted = _quote(c.get("evidence") or ())
    evidence = f"({quoted})" if quoted else ""
    if after is None:
        return None
    if before is None:
        return f"{name}:{_value(dim, after)}{evidence}"
    if str(before) == str(after):
        if read is not None and str(read) != str(after):
            return f"{name}:仍按{_value(dim, after)}(这次的说法把握不如之前)"
        return f"{name}:{_value(dim, after)},不变"
    moved = f"{name}:{_value(dim, before)} → {_value(dim, after)}{evidence}"
    if dim == "stage" and before in STAGES and after in STAGES and STAGES.index(after) < STAGES.index(before):
        moved += ",关系退了一步(问我“关系倒退怎么办”看修复办法)"
    return moved


def person_line(update: PersonUpdate) -> str:
    parts = [t for t in (_change_text(c) for c in sorted(update.changes, key=lambda c: ORDER.index(c["dimension"])))
             if t]
    head = update.name
    if update.renamed_from:
        head = f"{update.name}(原“{update.renamed_from}”)"
    if not parts and update.renamed_from:
        parts = [f"{DIMENSION_LABELS.get(d, d)}:{_value(d, update.known[d])}" for d in ORDER if update.known.get(d)]
        return f"{head}:" + (";".join(parts) + "。" if parts else "记下了名字。")
    if not parts:
        return f"{head}:这句话里还看不出新的特点。"
    return f"{head}:" + ";".join(parts) + "。"


def people_updates(updates: Sequence[PersonUpdate], signals: Sequence[str] = ()) -> List[Reply]:
    lines = [person_line(u) for u in updates]
    if signals:
        lines.append("新情况:" + "、".join(signals) + "。")
    if any(u.placeholder for u in updates):
        names = "、".join(f"“{u.name}”" for u in updates if u.placeholder)
        lines.append(f"先记作{names},知道名字告诉我就行。")
    return pack(["\n".join(lines)], [BTN_NEXT, BTN_SCRIPT])


def news_noted(customer: Optional[str], signals: Sequence[str], opportunities: Sequence[Any]) -> List[Reply]:
    who = customer or "这家客户"
    if not signals:
        return [Reply(f"记下了,算作{who}的动态。要我据此给建议,可以问“下一步怎么做”。", [BTN_NEXT])]
    head = f"记下了:{who}那边有新情况——{'、'.join(signals)}。这不改变对人的判断。"
    tips = [o.description for o in opportunities][:2]
    sections = [head]
    if tips:
        sections.append("这是机会:\n" + _bullets(tips, 2))
    return pack(sections, [BTN_NEXT, BTN_OPPORTUNITIES])
