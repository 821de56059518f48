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
BTN_LAWFUL = ("那合法的办法呢", "/ask_lawful_plan")


def compliance(topic: Any) -> List[Reply]:
    """`topic` is a `ComplianceTopic`: the KB's refusal (it names the law), the law, the lawful plan."""
    sections = [topic.refusal]
    if topic.law:
        sections.append("依据:" + _clip(topic.law, 160))
    if topic.alternatives:
        goal = f"想{topic.goal},合法的做法:" if getattr(topic, "goal", None) else "合法的做法:"
        sections.append(goal + "\n" + _numbered(topic.alternatives, 3))
    return pack(sections, [BTN_LAWFUL, BTN_STRATEGY])


def lawful_plan(topic: Any) -> List[Reply]:
    """The lawful plan in full: every alternative, what to do now, and how to decline politely."""
    goal = f"目标是{topic.goal},这样做:" if getattr(topic, "goal", None) else "合法的做法:"
    sections = [goal + "\n" + _numbered(topic.alternatives, 5)]
    if topic.tactics:
        sections.append("现在就可以:\n" + _bullets(topic.tactics, 3))
    if getattr(topic, "decline", None):
        sections.append("对方开口时可以这样回:\n" + _bullets(topic.decline, 2))
    return pack(sections, [BTN_STRATEGY, BTN_SCRIPT])


def guidance(item: Any) -> List[Reply]:
    """A grey area (`Guidance`): what is fine and under which conditions, and where it stops being lawful."""
    sections = [f"【{item.name}】" + _bullets(item.answer, 4)]
    if item.limits:
        sections.append("注意界线:\n" + _bullets(item.limits, 3))
    if item.law:
        sections.append("依据:" + _clip(item.law, 120))
    return pack(sections, [BTN_STRATEGY])


def lawful_plan_general() -> List[Reply]:
    return [Reply("合法的路子就三条:把价值讲清楚(方案演示、总成本对比、样板客户),把让利给到客户公司"
                  "(写进合同、开票入账),把服务承诺写下来。说说你想拿下的是哪一单,我帮你排步骤。", [BTN_STRATEGY])]


def compliance_general() -> List[Reply]:
    """A benefit question whose tactic is unclear: the lawful boundaries, and a question about the goal."""
    return [Reply("这类事我按合规的边界帮你:\n"
                  "· 给客户公司的优惠、返利写进合同、如实入账,可以\n"
                  "· 小额礼品、正常工作餐按双方公司规定,公开进行,可以\n"
                  "· 给客户个人的钱物、好处、安排,或者借第三方、换名目给,都不行(反不正当竞争法)\n"
                  "你真正想达成什么?拿下订单、过审批、加快回款?告诉我,我给你合法的做法。", [BTN_STRATEGY])]


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
