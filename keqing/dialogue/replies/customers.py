"""Replies about the rep's customers: the list, choosing and switching."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

from keqing.dialogue.replies.base import (
    BTN_DETAIL,
    BTN_NEXT,
    BTN_STRATEGY,
    BTN_SWITCH,
    MAX_CHARS,
    Reply,
    style_label,
    switch_payload,
)


# -- customers ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CustomerLine:
    """One customer in the rep's list."""

    name: str
    stage: Optional[str] = None
    style: Optional[str] = None
    step_order: Optional[int] = None
    step_title: Optional[str] = None
    repair: bool = False


def _describe(c: CustomerLine) -> str:
    bits = []
    if c.stage:
        bits.append(c.stage)
    if c.style:
        bits.append(style_label(c.style))
    if c.step_order and c.step_title:
        bits.append(f"{'修复' if c.repair else ''}第{c.step_order}步 {c.step_title}")
    return " · ".join(bits) if bits else "还没有画像"


def customer_list(customers: Sequence[CustomerLine], max_buttons: int = 5) -> List[Reply]:
    if not customers:
        return no_customers()
    lines = [f"{i}. {c.name}:{_describe(c)}" for i, c in enumerate(customers, 1)]
    sections = [f"你的客户(共{len(customers)}位,最近聊的在前):"]
    text = sections[0]
    shown = 0
    for line in lines:
        if len(text) + len(line) + 20 > MAX_CHARS:
            break
        text += "\n" + line
        shown += 1
    if shown < len(lines):
        text += f"\n……还有{len(lines) - shown}位"
    buttons = [(c.name, switch_payload(c.name)) for c in customers[:max_buttons]]
    return [Reply(text, buttons)]


def no_customers() -> List[Reply]:
    return [Reply("还没有客户记录。描述一位客户我就会记下,比如“王总说一不二,我们占他们三成采购”。")]


def choose_customer(customers: Sequence[CustomerLine], max_buttons: int = 8) -> List[Reply]:
    if not customers:
        return no_customers()
    buttons = [(c.name, switch_payload(c.name)) for c in customers[:max_buttons]]
    return [Reply("换到哪位客户?", buttons)]


def switched(line: CustomerLine) -> List[Reply]:
    if not (line.stage or line.style):
        return [Reply(f"好,说{line.name}。还不了解他,说说他的特点和你们占多少采购?")]
    text = f"好,切到{line.name}:{_describe(line)}。"
    if line.step_order:
        text += "说“下一步”接着往下走。"
        buttons = [BTN_NEXT, BTN_DETAIL, BTN_SWITCH]
    else:
        text += "说“怎么跟进”看打法。"
        buttons = [BTN_STRATEGY, BTN_NEXT, BTN_SWITCH]
    return [Reply(text, buttons)]


# -- rename, delete -------------------------------------------------------------------------
def renamed(old: str, new: str) -> List[Reply]:
    if old == new:
        return [Reply(f"好,还是叫{new}。")]
    return [Reply(f"好,已把“{old}”改名为{new},之前的记录都在。")]


def rename_unclear() -> List[Reply]:
    return [Reply("改成什么名字?比如“把小林改成林工”。")]


def delete_confirm(name: str) -> List[Reply]:
    return [Reply(f"确定删除{name}吗?他的所有记录都会删掉,回复“确定”或“算了”。",
                  [("确定删除", "/affirm"), ("算了", "/deny")])]


def delete_unclear() -> List[Reply]:
    return [Reply("要删哪位客户?说“删掉某某”,或说“我的客户”先看看列表。")]


def deleted(name: str, done: bool) -> List[Reply]:
    return [Reply(f"已删除{name}。" if done else f"没找到{name},不用删了。")]


def delete_cancelled(name: str) -> List[Reply]:
    return [Reply(f"好,不删,{name}的记录都还在。")]


def stopped() -> List[Reply]:
    return [Reply("好,先不说这个。有新情况随时告诉我,或问“下一步怎么做”。")]


def please_rephrase() -> List[Reply]:
    return [Reply("没太看懂,能换个说法吗?比如描述一下客户的性格、你们占他们多少采购,或者问“下一步怎么做”。")]
