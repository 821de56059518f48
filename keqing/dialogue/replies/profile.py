"""Replies about a customer reading: the diagnosis with its evidence, and corrections."""
from __future__ import annotations

from typing import Any, List, Mapping, Optional, Sequence, Tuple

from keqing.dialogue.replies.base import (
    BTN_NEXT,
    BTN_SCRIPT,
    Reply,
    _bullets,
    _quote,
    _who,
    correct_style_payload,
    pack,
    style_label,
)
from keqing.taxonomy import ANIMALS, DIMENSION_LABELS, VALUES


# -- diagnosis ---------------------------------------------------------------------------
def diagnosis(
    customer: Optional[str],
    detected: Mapping[str, Optional[Mapping[str, Any]]],
    previous_stage: Optional[str] = None,
    regressed: bool = False,
    advanced: bool = False,
) -> List[Reply]:
    """One short message restating what was detected, each value with its evidence in quotes.

    `detected` is the NLU `customer_profile` (dimension → {value, confidence, evidence} or None)."""
    who = _who(customer)
    parts: List[str] = []
    style = detected.get("style")
    if style and style.get("value") in ANIMALS:
        hedge = "可能偏" if (style.get("confidence") or 1) < 0.5 else "偏"
        parts.append(f"{who}{hedge}{style_label(style['value'])}:{_quote(style.get('evidence') or ())}。")
    for dim, name in (("motive", "决策动机"), ("grade", "客户等级"), ("stage", "关系阶段")):
        found = detected.get(dim)
        if not found or found.get("value") is None:
            continue
        value = f"{found['value']}类" if dim == "grade" else str(found["value"])
        if (found.get("confidence") or 1) < 0.5:
            value = "可能是" + value
        quoted = _quote(found.get("evidence") or ())
        prefix = "" if parts else f"{who}的"
        parts.append(f"{prefix}{name}:{value}({quoted})。" if quoted else f"{prefix}{name}:{value}。")
    if not parts:
        return nothing_detected(customer)
    if regressed and previous_stage:
        parts.append(f"比之前的{previous_stage}退了一步,说“关系倒退”看修复办法。")
    elif advanced and previous_stage:
        parts.append(f"比之前的{previous_stage}进了一步。")
    return [Reply("".join(parts))]


def nothing_detected(customer: Optional[str] = None) -> List[Reply]:
    head = f"从这句话还看不出{customer}的类型。" if customer else "从这句话还看不出客户的类型。"
    return [Reply(head + "说说他说话做事的特点?")]


# -- corrections ---------------------------------------------------------------------------


def value_label(dimension: str, value: Any) -> str:
    if dimension == "style":
        return style_label(value)
    if dimension == "grade":
        return f"{value}类"
    if dimension == "stage":
        return f"{value}阶段"
    return str(value)


def correction_done(
    changes: Sequence[Tuple[str, Optional[Any], Any]],
    advice: Sequence[str] = (),
    customer: Optional[str] = None,
) -> List[Reply]:
    """`changes`: (dimension, old value, new value). `advice`: the new value's tips from the KB."""
    parts = []
    for dim, old, new in changes:
        if old is not None and str(old) == str(new):
            parts.append(f"{DIMENSION_LABELS.get(dim, dim)}本来就是{value_label(dim, new)},保持不变。")
        else:
            parts.append(f"已改为{value_label(dim, new)}。")
    who = f"好,{customer}" if customer else "好,"
    sections = [who + "".join(parts)]
    if advice:
        header = "沟通上换成:" if changes and changes[0][0] == "style" else "接下来这样做:"
        sections.append(header + "\n" + _bullets(advice, 3))
    return pack(sections, [BTN_NEXT, BTN_SCRIPT])


def ask_which_style() -> List[Reply]:
    buttons = [(f"{ANIMALS[s]}({s})", correct_style_payload(s)) for s in VALUES["style"]]
    return [Reply("那他更像哪一种?", buttons)]
