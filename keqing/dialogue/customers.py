"""The rep's customers: list them, switch between them."""
from __future__ import annotations

import re
from typing import Dict, List, Optional

from keqing.customers import Customer
from keqing.dialogue import replies
from keqing.dialogue.context import Step
from keqing.dialogue.people import current, only_a_name
from keqing.dialogue.turn import Outcome, answers, profile_slots
from keqing.kb.normalize import customer_display_name
from keqing.kb.query import StepInfo
from keqing.text.names import find_names, first_name
from keqing.text.normalize import normalize
from keqing.text.questions import ends_with_question

MAX_LISTED = 20


def customer_line(step: Step, customer: Customer,
                  cache: Optional[Dict[str, List[StepInfo]]] = None) -> replies.CustomerLine:
    """Name, stage, style and current step of one customer."""
    cache = {} if cache is None else cache
    profile = step.profile_of(customer)
    stage = profile.get("stage") if profile else None
    style = profile.get("style") if profile else None
    position = step.memory.playbook_position(step.channel, step.sender, customer)
    order = title = None
    repair = False
    if position is not None:
        if position.stage not in cache:
            if position.stage in replies.STAGES:
                cache[position.stage] = list(step.kb.steps(position.stage))
            else:
                reg = step.kb.regression()
                cache[position.stage] = list(reg.steps) if reg.name == position.stage else []
        steps = cache[position.stage]
        repair = position.stage not in replies.STAGES
        if steps and (repair or position.stage == stage):
            order = min(position.step_order, len(steps))
            title = steps[order - 1].title
    return replies.CustomerLine(customer.display_name, None if stage is None else str(stage),
                                None if style is None else str(style), order, title, repair)


_ASKS_HOW = re.compile(r"怎么|如何|咋|怎样|下一步|打法|策略|突破|推进|跟进|攻下|搞定")


@answers("customer_summary")
def switch_customer(step: Step) -> Outcome:
    named = step.turn.entity("customer") or first_name(step.text[:500])
    customer = step.get_customer(named) if named else None
    if customer is None and step.text:
        customer = step.find_customer(step.text)
    cur = current(step)
    if customer is None and named and cur is not None and cur.placeholder and step.text.strip() and \
            any(only_a_name(step.text, m) for m in find_names(step.text)):
        # "张工" right after describing someone unnamed: that person's name
        renamed = step.memory.rename_customer(step.channel, step.sender, cur, customer_display_name(named))
        subject = step.subject_of(renamed)
        step.out.say(replies.people_updates([replies.PersonUpdate(renamed.display_name, [],
                                                                  renamed_from=cur.display_name,
                                                                  known=dict(subject.values))]))
        return step.out.set_slots(profile_slots(subject.name, subject.values)).as_kind("diagnosis")
    if customer is None and named and customer_display_name(named):
        # a customer the rep names for the first time: kept, so what they say next is about them
        customer = step.get_or_create_customer(customer_display_name(named))
    if customer is None:
        customers = step.memory.list_customers(step.channel, step.sender)[:MAX_LISTED]
        return step.out.say(replies.choose_customer([replies.CustomerLine(c.display_name) for c in customers]))
    customer = step.memory.touch_customer(step.channel, step.sender, customer)
    subject = step.subject_of(customer)
    if _ASKS_HOW.search(step.text) and subject.values:
        # "王总这边先怎么突破": switching and asking for the plan in one message
        from keqing.dialogue.playbook import give_strategy

        return give_strategy(step)
    step.out.say(replies.switched(customer_line(step, customer)))
    return step.out.set_slots(profile_slots(subject.name, subject.values))


@answers("customer_list")
def list_customers(step: Step) -> Outcome:
    customers = step.memory.list_customers(step.channel, step.sender)[:MAX_LISTED]
    cache: Dict[str, List[StepInfo]] = {}
    return step.out.say(replies.customer_list([customer_line(step, c, cache) for c in customers]))


@answers("rephrase")
def rephrase(step: Step) -> Outcome:
    """A message the NLU could not place. When it names one of the rep's customers ("房经理现在什么情况?"),
    that customer's summary; otherwise a request to rephrase, with examples."""
    names = find_names(step.text)
    known = next((c for c in (step.get_customer(n.name) for n in names) if c is not None), None)
    if known is None and step.text.strip():
        known = step.find_customer(step.text)
    if known is not None:
        return switch_customer(step)
    if _HOW_TO_ACT.search(normalize(step.text)) and ends_with_question(step.text) and current(step) is not None:
        from keqing.dialogue.playbook import give_strategy

        return give_strategy(step)  # "那我报价要怎么调": how to act with the current customer
    return step.out.say(replies.please_rephrase())


# "那我报价要怎么调", "接下来怎么跟进": the rep asks how to act, in words the intent model did not place.
_HOW_TO_ACT = re.compile(r"(?:我|我们)?[^,，。]{0,8}(?:怎么|如何|咋)(?:调|做|办|弄|跟|谈|报|打|推|应对|处理|改|安排|准备)")
