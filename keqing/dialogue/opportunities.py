"""The opportunity checklist: the eight opportunity signals asked one by one, and the watch list of a stage."""
from __future__ import annotations

import re
from typing import Optional

from keqing.dialogue import replies
from keqing.dialogue.context import Step
from keqing.dialogue.news import record_signals
from keqing.dialogue.playbook import give_strategy
from keqing.dialogue.signals import find_signals
from keqing.dialogue.turn import Outcome, answers

# The reply kinds after which 有/没有 answers the checklist's question.
CHECKLIST_KINDS = ("opportunities", "opportunity_item")


def in_checklist(step: Step) -> bool:
    return step.turn.slot("reply_kind") in CHECKLIST_KINDS


# "这两个机会我该怎么抓", "这个opportunity怎么push": how to use them, not which ones there are.
_HOW = re.compile(r"怎么|如何|咋|怎样|怎么样才能")
_WHICH = re.compile(r"哪些|哪几|什么机会|有没有|有啥|都有|几类|列一下|清单")


@answers("opportunities")
def opportunities(step: Step) -> Outcome:
    """The eight opportunity signals in one message; with a customer, the walk through them starts. Asked
    how to use the signals already recorded, the plan for those instead."""
    subject = step.subject()
    found = step.kb.opportunities(replies.EARLY_STAGE)
    if subject.customer is not None and _HOW.search(step.text) and not _WHICH.search(step.text):
        known = [s.name for s in step.memory.signals(step.channel, step.sender, subject.customer) if s.kind == "opportunity"]
        chosen = [o for o in found if o.name in known]
        if chosen:
            steps = step.kb.steps(replies.EARLY_STAGE)
            step.out.say(replies.checklist_summary(subject.name, chosen, len(found), replies.opportunity_step(steps),
                                                   step.kb.create_opportunity(replies.EARLY_STAGE)))
            return step.sync(subject).as_kind("strategy")
        return give_strategy(step)  # no signal on record yet: the plan of the stage
    if subject.customer is not None and found:
        step.memory.add_note(step.channel, step.sender, subject.customer, replies.checklist_start_note())
    step.out.say(replies.opportunity_list(found, subject.name, ask_first=subject.customer is not None))
    return step.sync(subject)


# "有的,他们老板一直在喊降本…" / "没有,…": an answer to the checklist question, whatever else it says.
_YES = re.compile(r"^(?:有的?|有啊|有呀|是的|对|对的|嗯+有|确实有|有一个|有个)(?:[,，。!！\s]|$)")
_NO = re.compile(r"^(?:没有|没|没的|无|不是|暂时没有|好像没有|还没有)(?:[,，。!！\s]|$)")


_GO = re.compile(r"^(?:好的?|行|可以|来吧?|嗯+|ok|yes|sure)?[,，\s]*(?:一个(?:一)?个(?:地)?(?:过|来|看|问)?|逐个(?:过|来|看)?|挨个(?:过|来|看)?|"
                 r"逐一|过一遍|走一遍|一条(?:一)?条(?:过|来|看)?|开始|来吧|好的?|行|可以|ok|yes|sure)[吧啊呀呗!！。~]*$", re.I)
_NOT_NOW = re.compile(r"^(?:不用了?|不了|先不用?|算了|下次吧?|改天吧?|no|不要了?)[吧啊呀!！。~]*$", re.I)


def checklist_reply(step: Step) -> Optional[Outcome]:
    """During the opportunity checklist, a message that starts with yes/no answers the question asked."""
    if not in_checklist(step) or step.turn.intent in ("affirm", "deny"):
        return None
    text = step.text.strip()
    present = False if _NO.match(text) else True if _YES.match(text) else None
    if present is None and step.turn.slot("reply_kind") == "opportunities":
        # the answer to "要不要逐个过一遍?": "好,一个个过" / "不用了"
        present = True if _GO.match(text) else False if _NOT_NOW.match(text) else None
    if present is None:
        return None
    found = [f for f in find_signals(text) if f.kind != "regression"]
    subject = step.subject()
    if found and subject.customer is not None:
        # "有的,他们老板一直在喊降本": the signal the rep names is kept, whichever question was asked
        record_signals(step, subject.customer, found)
    return opportunity_answer(step, present=present)


@answers("opportunity_item")
def opportunity_answer(step: Step, present: Optional[bool] = None) -> Outcome:
    """有/没有: the answer to the checklist question just asked; outside a checklist a neutral reply."""
    present = step.turn.intent != "deny" if present is None else present
    if not in_checklist(step):
        return step.out.say(replies.neutral_ack(present))
    subject = step.subject()
    if subject.customer is None:
        return step.out.say(replies.neutral_ack(present))
    found = step.kb.opportunities(replies.EARLY_STAGE)
    if step.turn.slot("reply_kind") == "opportunities":
        # the answer to "要不要逐个过一遍?": the first question, or nothing
        if not present or not found:
            step.out.say(replies.neutral_ack(present))
            return step.sync(subject)
        step.out.say(replies.checklist_question(found[0], 1, len(found), subject.name))
        return step.sync(subject)
    answers = replies.checklist_state(step.memory.notes(step.channel, step.sender, subject.customer))
    open_items = [o for o in found if answers is not None and o.key not in answers]
    if answers is None or not open_items:
        step.out.say(replies.neutral_ack(present))
        return step.sync(subject)
    current = open_items[0]
    step.memory.add_note(step.channel, step.sender, subject.customer, replies.checklist_answer_note(current, present))
    if present:  # the rep confirms the signal: it is account news like any other
        step.memory.add_signal(step.channel, step.sender, subject.customer, "opportunity", current.name,
                               f"机会点排查:{current.name}")
    answers[current.key] = present
    if len(open_items) > 1:
        nxt = open_items[1]
        step.out.say(replies.checklist_question(nxt, found.index(nxt) + 1, len(found)))
    else:
        present_items = [o for o in found if answers.get(o.key)]
        steps = step.kb.steps(replies.EARLY_STAGE)
        step.out.say(replies.checklist_summary(
            subject.name, present_items, len(found), replies.opportunity_step(steps),
            step.kb.create_opportunity(replies.EARLY_STAGE),
        ))
    return step.sync(subject)
