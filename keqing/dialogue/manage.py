"""Managing customers by chat: rename (or merge), delete with a confirmation, and answers to yes/no questions.

- "客户不叫小时,是贺总监", "把小林改成林工", "名字记错了,应该是钱处": the record keeps its data under the new name;
  when the new name already has a record the two are merged.
- "删掉欧阳总这个客户" asks first; "确定" deletes, "算了"/"不删了" keeps it.
- "算了 / 先不说这个 / 跳过" drops whatever was pending.
"""
from __future__ import annotations

import re
from typing import Optional

from keqing.customers import Customer
from keqing.dialogue import replies
from keqing.dialogue.context import Step
from keqing.dialogue.opportunities import in_checklist, opportunity_answer
from keqing.dialogue.people import current
from keqing.dialogue.turn import Outcome, answers, profile_slots
from keqing.kb.normalize import customer_display_name, normalize_text
from keqing.text.names import find_names
from keqing.text.normalize import normalize

PENDING_DELETE = "pending_delete"
# Where the new name starts: "改成林工", "应该是钱处", "不是王总,是汪总" (the last 是 of the message).
_NEW_NAME_AFTER = re.compile(r"改名成|改名为|改名叫|更名为|改成|改为|改叫|换成|应该是|应该叫|其实是|其实叫|实际是|记成|名字是|而是|是|叫")
_RAW_NEW_NAME = re.compile(r"(?:改名成|改名为|改名叫|更名为|改成|改为|改叫|换成|应该是|应该叫|其实是|其实叫|实际是|记成|名字是|而是|是)"
                           r"\s*(?P<n>[^\s,，。!！?？、]{2,12}?)(?:[,，。!！?？、\s]|那个|吧|啊|$)")
_WRONG_NAME = re.compile(r"不是|不叫")
# "算了,先别删了", "不删了", "留着吧": keep it.
_KEEP = re.compile(r"别删|不删|不要删|先不删|留着|算了|不用删|取消")
# A short answer to "确定删除X吗?", whatever intent the model gave it ("确定" may read like a grade cue).
_SHORT_YES = re.compile(r"^(?:确定|确认|是的?|对|嗯+|好的?|行|可以|没问题|删(?:吧|了吧|掉吧)?|ok|yes|sure)[!！。.啊吧呀的]*$", re.I)
_SHORT_NO = re.compile(r"^(?:不(?:了|要|用|删)?|别(?:删)?|算了|取消|先不|不用了?|no|nope)[!！。.啊吧呀的]*$", re.I)


def _mentioned(step: Step, text: str) -> Optional[Customer]:
    """A stored customer whose name appears in `text` (also names the extractor would not find, 小时)."""
    haystack = normalize_text(text)
    best = None
    for c in step.memory.list_customers(step.channel, step.sender):
        key = normalize_text(customer_display_name(c.display_name))
        if key and key in haystack and (best is None or len(key) > len(normalize_text(best.display_name))):
            best = c
    return best


def _new_name(text: str, old: Optional[Customer]) -> Optional[str]:
    """The name the rep wants: the last name written after 改成/是/叫 … that is not the old one."""
    old_name = customer_display_name(old.display_name) if old is not None else None
    starts = [m.end() for m in _NEW_NAME_AFTER.finditer(text)]
    for start in reversed(starts or [0]):
        for match in reversed(find_names(text[start:])):
            if customer_display_name(match.name) != old_name:
                return match.name
    for raw in reversed(list(_RAW_NEW_NAME.finditer(text))):
        name = customer_display_name(raw.group("n"))
        if name and name != old_name and not _WRONG_NAME.match(name):
            return name
    return None


@answers("rename")
def rename(step: Step) -> Outcome:
    text = step.text
    wrong = _WRONG_NAME.search(text)
    # the old name: a stored customer the message names ("不是王总" or "把小林改成…"), else the current one
    old = _mentioned(step, text[wrong.end():] if wrong else text) or _mentioned(step, text) or current(step)
    new_name = _new_name(text, old)
    if old is None or not new_name:
        return step.out.say(replies.rename_unclear())
    renamed = step.memory.rename_customer(step.channel, step.sender, old, new_name)
    subject = step.subject_of(renamed)
    step.out.say(replies.renamed(old.display_name, renamed.display_name))
    return step.out.set_slots(profile_slots(subject.name, subject.values))


@answers("delete_confirm")
def delete(step: Step) -> Outcome:
    pending = step.turn.slot(PENDING_DELETE)
    if pending:
        # the answer to "确定删除X吗?" may still read like a delete request ("对 删", "先别删了")
        if _KEEP.search(step.text):
            step.out.set_slots({PENDING_DELETE: None})
            return step.out.say(replies.delete_cancelled(str(pending))).as_kind("delete_cancelled")
        other = _mentioned(step, step.text)
        if other is None or other.display_name == pending:
            return confirm(step)
    target = _mentioned(step, step.text) or current(step)
    if target is None:
        return step.out.say(replies.delete_unclear())
    step.out.say(replies.delete_confirm(target.display_name))
    return step.out.set_slots({PENDING_DELETE: target.display_name})


@answers("stopped")
def stop(step: Step) -> Outcome:
    pending = step.turn.slot(PENDING_DELETE)
    if pending:
        step.out.say(replies.delete_cancelled(str(pending))).as_kind("delete_cancelled")
        return step.out.set_slots({PENDING_DELETE: None})
    return step.out.say(replies.stopped())


# "Sorry名字搞错了,他叫Jackson,不是Jason", "名字记错了": a rename whatever intent the model read.
_NAME_WAS_WRONG = re.compile(r"名字(?:搞|记|写|弄|打|输|说|填)?错|(?:叫|记|写)错(?:了)?名|名字不对|改个?名|打错了|写错了|记错了|"
                             r"叫法不对|称呼不对|叫错了|全名叫|大名叫|以后(?:就)?叫(?:他|她)")
# "是Annie 不是Amy", "不是王总,是黄总": a short message that swaps a stored name for another.
_SWAPPED = re.compile(r"^.{0,12}?(?:是\s*\S+?[,，\s]*不是|不是\s*\S+?[,，\s]*(?:而)?是)\s*\S+")


def rename_said(step: Step) -> Optional[Outcome]:
    """A message that plainly says a name was wrong is a rename, when a stored customer is meant."""
    text = normalize(step.text)
    names = {normalize(n.name) for n in find_names(text)}
    wrong_word = _NAME_WAS_WRONG.search(text)
    if wrong_word and wrong_word.group(0) in ("打错了", "写错了", "记错了") and len(names) < 2:
        wrong_word = None  # "我记错了,范总那单根本没批下来": a slip about something else, no second name
    said = wrong_word or (len(text) <= 30 and _SWAPPED.search(text) and len(names) >= 2)
    if not said or not step.memory.list_customers(step.channel, step.sender):
        return None
    wrong = _WRONG_NAME.search(text)
    if _mentioned(step, text[wrong.end():] if wrong else text) is None and _mentioned(step, text) is None:
        return None  # no stored customer is named: not about a name we keep
    return rename(step)


def pending_answer(step: Step) -> Optional[Outcome]:
    """The rep's yes/no to a pending delete question, answered as such; None for any other message."""
    if not step.turn.slot(PENDING_DELETE):
        return None
    text = normalize(step.text).strip().lower()  # "確定" is 确定
    if _SHORT_NO.match(text):
        pending = str(step.turn.slot(PENDING_DELETE))
        step.out.set_slots({PENDING_DELETE: None})
        return step.out.say(replies.delete_cancelled(pending)).as_kind("delete_cancelled")
    if _SHORT_YES.match(text):
        return confirm(step)
    return None


@answers("ack")
def confirm(step: Step) -> Outcome:
    """有/没有/确定/算了: the answer to whatever was just asked."""
    pending = step.turn.slot(PENDING_DELETE)
    yes = step.turn.intent != "deny" and not _KEEP.search(step.text)
    if pending:
        step.out.set_slots({PENDING_DELETE: None})
        if not yes:
            return step.out.say(replies.delete_cancelled(str(pending))).as_kind("delete_cancelled")
        deleted = step.memory.delete_customer(step.channel, step.sender, str(pending))
        step.out.say(replies.deleted(str(pending), deleted)).as_kind("deleted")
        if deleted and step.turn.slot("customer") == pending:
            step.out.set_slots(profile_slots(None, {}) | {"customer": None})
        return step.out
    if in_checklist(step):
        return opportunity_answer(step)
    return step.out.say(replies.neutral_ack(yes))
