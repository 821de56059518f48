"""Replies from the knowledge base alone: compliance refusals and concept explanations."""
from __future__ import annotations

from typing import Any, List, Sequence

from keqing.dialogue.replies.base import (
    BTN_SCRIPT,
    BTN_STRATEGY,
    Reply,
    _bullets,
    _clip,
    _numbered,
    pack,
    style_label,
)


# -- compliance ---------------------------------------------------------------------------
def compliance(topic: Any) -> List[Reply]:
    """`topic` is a `ComplianceTopic`: the KB's refusal (it names the law), the law, lawful alternatives."""
    sections = [topic.refusal]
    if topic.law:
        sections.append("依据:" + _clip(topic.law, 160))
    if topic.alternatives:
        sections.append("合法的做法:\n" + _numbered(topic.alternatives, 4))
    return pack(sections, [BTN_STRATEGY, BTN_SCRIPT])


def compliance_fallback() -> List[Reply]:
    """Only when the knowledge base holds no compliance topic at all."""
    return [Reply("这个不能帮你做:给客户人员送财物、回扣或红包属于商业贿赂,违反反不正当竞争法。"
                  "我们用方案、服务和写进合同的公司优惠来争取。", [BTN_STRATEGY])]


# -- concepts -----------------------------------------------------------------------------
def concept(summary: Any) -> List[Reply]:
    """`summary` is an `ItemSummary`: definition + 2–3 key points."""
    kind = summary.kind
    name = style_label(summary.name) if kind == "style" else summary.name
    head = f"【{name}】{summary.definition}"
    points: List[str] = []
    details = summary.details or {}
    if kind == "stage":
        if details.get("objective"):
            points.append("目标:" + details["objective"])
        points += list(summary.tactics)[:2]
    elif kind in ("step", "opportunity"):
        if kind == "step":
            points += list(details.get("details") or ())[:3]
        elif details.get("question"):
            points.append("可以问:" + details["question"])
    elif kind == "compliance":
        points += list(summary.traits)[:2]
        points.append("这条线不能碰,说说你的情况,我帮你想合法的做法。")
    else:
        points += list(summary.traits)[:2]
        points += list(summary.tactics)[:1]
    body = "要点:\n" + _bullets(points, 3) if points else ""
    return pack([head, body])


def concept_unknown(term: str, examples: Sequence[str] = ()) -> List[Reply]:
    shown = f"“{_clip(term, 20)}”" if term else "这个"
    examples = list(examples) or ["猫头鹰型客户", "初期合作阶段", "优先供应关系", "Trust(信任)", "客户关系倒退"]
    return [Reply(f"{shown}我还讲不了。可以问我:" + "、".join(examples[:6]) + "。")]
