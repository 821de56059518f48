"""Replies to follow-ups: the evidence of a reading, advice on key people, notes, and what the assistant
does not do (honestly, with what it can do instead)."""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

from keqing.dialogue.replies.base import BTN_NEXT, BTN_STRATEGY, Reply, _bullets, _quote, pack
from keqing.taxonomy import DIMENSION_LABELS, label

SOURCES = {"assessment": "你描述时说的", "correction": "你纠正过", "stage": "你告诉我的份额/阶段"}


def evidence(customer: Optional[str], reasons: Sequence[Tuple[str, str, List[str], str]]) -> List[Reply]:
    """(dimension, value, evidence, source) of each stored reading."""
    if not reasons:
        who = customer or "这位客户"
        return [Reply(f"关于{who}我还没有判断。说说他说话做事的特点?")]
    lines = []
    for dim, value, words, source in reasons:
        why = _quote(words) if words else SOURCES.get(source, "")
        lines.append(f"{DIMENSION_LABELS.get(dim, dim)}:{label(dim, value)},依据:{why}")
    head = f"{customer}的判断依据:" if customer else "判断依据:"
    return pack([head + "\n" + "\n".join(lines), "不对的话直接告诉我,比如“他其实挺随和的”。"], [BTN_NEXT])


def advice(item: Any, customer: Optional[str], people: Sequence[str], more: bool = False) -> List[Reply]:
    """An `Advice` item: what to do, what to find out, what to avoid; the account's people when known."""
    head = f"【{item.name}】{item.definition}" if not more else f"【{item.name}】再补充几点:"
    tactics = list(item.tactics)[3:] if more else list(item.tactics)[:3]
    sections = [head, "怎么做:\n" + _bullets(tactics or list(item.tactics)[:3], 3)]
    if item.questions and not more:
        sections.append("先弄清:\n" + _bullets(item.questions, 2))
    if item.avoid:
        sections.append("别做:" + ";".join(item.avoid[:2]) + "。")
    if len(people) > 1:
        sections.append("这家已知的人:" + "、".join(people[:6]) + "。说“他们公司谁说了算”看关系图。")
    return pack(sections, [BTN_NEXT, BTN_STRATEGY])


def note_kept(customer: Optional[str]) -> List[Reply]:
    if customer:
        return [Reply(f"记下了,放在{customer}名下。要设跟进提醒可以说“下周三提醒我跟进{customer}”。")]
    return [Reply("记下了。这条里没有客户本人的特点;要分析客户,跟我说说他的性格和你们占多少采购。")]


def unsupported() -> List[Reply]:
    return [Reply("这个我做不了。我能做的是:看客户类型和关系阶段、给下一步打法和话术、记住你的客户和提醒、"
                  "讲解销售方法里的概念。说“你能做什么”看完整列表。")]


def reminder_set(when: str, task: str) -> List[Reply]:
    return [Reply(f"好,{when}提醒你:{task}。")]


def reminder_when(customer: Optional[str]) -> List[Reply]:
    who = f"跟进{customer}" if customer else "这件事"
    return [Reply(f"什么时候提醒你{who}?比如“下周三上午”“三天后”“12月5号下午3点”。")]


def due_list(upcoming: Sequence[Tuple[str, str]], overdue: Sequence[Tuple[str, int]]) -> List[Reply]:
    if not upcoming and not overdue:
        return [Reply("这周没有到期的提醒,也没有很久没跟进的客户。")]
    sections = []
    if upcoming:
        sections.append("这周的提醒:\n" + "\n".join(f"· {when}:{task}" for when, task in upcoming[:8]))
    if overdue:
        sections.append("该跟进了:\n" + "\n".join(f"· {name} {days}天未跟进" for name, days in overdue[:8]))
    return pack(sections)


def due_reminders(items: Sequence[str]) -> List[Reply]:
    return [Reply("⏰ 提醒:" + ";".join(items))] if items else []


def weekly_digest(upcoming: Sequence[Tuple[str, str]], overdue: Sequence[Tuple[str, int]]) -> List[Reply]:
    """The Monday message of the week's follow-ups (WeCom/Slack)."""
    head = "早上好,这周的跟进:"
    if not upcoming and not overdue:
        body = ["这周没有到期的提醒,也没有很久没跟进的客户。"]
    else:
        body = [r.text for r in due_list(upcoming, overdue)]
    return pack([head + "\n" + body[0], *body[1:], "不想每周收到,回复“关掉周报”。"])


def digest_switched(on: bool) -> List[Reply]:
    if on:
        return [Reply("好,周报已打开:每周一上午9点发你这周要跟进的客户。")]
    return [Reply("好,以后不再发每周提醒了。想再收到,回复“打开周报”。")]
