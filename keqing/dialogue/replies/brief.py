"""The meeting brief and the account map (keqing.dialogue.brief)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from keqing.dialogue.replies.base import BTN_NEXT, BTN_SCRIPT, Reply, _bullets, _quote, pack
from keqing.taxonomy import label

MAX_BRIEF = 1400


def meeting_brief(name: str, account: Optional[str], values: Dict[str, Any], evidence: Dict[str, List[str]],
                  step_title: Optional[str], signals: Sequence[str], openers: Sequence[str],
                  questions: Sequence[str], avoid: Sequence[str], compliance: Optional[str]) -> List[Reply]:
    who = [f"【见{name}前的准备】" + (f"({account})" if account else "")]
    for dim in ("style", "motive", "grade"):
        if values.get(dim):
            why = _quote(evidence.get(dim) or [])
            who.append(f"· {label(dim, values[dim])}" + (f":{why}" if why else ""))
    if len(who) == 1:
        who.append("· 还不了解他的特点,见面时多观察他怎么做决定。")
    stage = values.get("stage")
    where = f"阶段:{stage}" + (f",当前一步:{step_title}" if step_title else "") if stage else "阶段:还不清楚份额"
    sections = ["\n".join(who), where]
    if signals:
        sections.append("最近的情况:" + "、".join(signals))
    if openers:
        sections.append("开场可以说:\n" + _bullets(openers, 3))
    if questions:
        sections.append("可以问:\n" + _bullets(questions, 2))
    if avoid:
        sections.append("避免:" + ";".join(avoid[:2]))
    if compliance:
        sections.append("合规提醒:" + compliance)
    text = "\n".join(sections)
    if len(text) > MAX_BRIEF:
        text = text[: MAX_BRIEF - 1] + "…"
    return pack([text], [BTN_NEXT, BTN_SCRIPT], limit=MAX_BRIEF + 100)


def account_map(account: Optional[str], people: Sequence[Tuple[str, Optional[str], Any]],
                warnings: Sequence[str]) -> List[Reply]:
    head = f"{account}的人:" if account else "这家客户的人:"
    lines = [f"· {name}:{role or '角色未知'}" + (f",{label('style', style)}" if style else "")
             for name, role, style in people]
    sections = [head + "\n" + "\n".join(lines)]
    if warnings:
        sections.append("注意:\n" + _bullets(warnings, 3))
    sections.append("补充别的人时告诉我,比如“技术部的刘工支持我们”。")
    return pack(sections)


def account_unknown() -> List[Reply]:
    return [Reply("说的是哪家客户?先跟我描述一下那边的人,比如“宏远机械的欧阳总说一不二”。")]
