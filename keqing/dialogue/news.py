"""News about a customer's account: kept as a signal, answered with the move that fits it.

An opportunity signal (新产品上市 …) gets the knowledge base's description of that opportunity and the
step of the stage that uses it; a regression signal gets the repair plan. A share stated in the news
("他们现在只给我们两成了") updates the stage; the person's traits never change.
"""
from __future__ import annotations

from typing import List, Optional

from keqing.customers import Customer
from keqing.dialogue import replies
from keqing.dialogue.context import Step
from keqing.dialogue.people import current, targets
from keqing.dialogue.playbook import set_position
from keqing.dialogue.signals import REGRESSION, FoundSignal, find_signals
from keqing.dialogue.turn import Outcome, answers, profile_slots
from keqing.taxonomy import STAGES


def record_signals(step: Step, customer: Customer, found: List[FoundSignal]) -> None:
    for sig in found:
        step.memory.add_signal(step.channel, step.sender, customer, sig.kind, sig.name, step.text)


def _who(step: Step) -> Optional[Customer]:
    people = targets(step, create=False)
    if people:
        return people[0].customer
    return current(step)


@answers("news")
def news(step: Step, found: Optional[List[FoundSignal]] = None) -> Outcome:
    found = found if found is not None else find_signals(step.text)
    customer = _who(step)
    if customer is None:
        people = targets(step)  # news about someone new: keep it under a placeholder
        customer = people[0].customer
    record_signals(step, customer, found)
    if not found:
        step.memory.add_note(step.channel, step.sender, customer, f"动态:{step.text[:300]}")
    stage = (step.turn.profile.get("stage") or {}).get("value")
    stored = step.profile_of(customer)
    before = stored.get("stage") if stored else None
    dropped = False
    if stage in STAGES and step.turn.profile.get("share"):  # news moves the stage only with a share said
        share = (step.turn.profile.get("share") or {}).get("value")
        step.memory.set_stage(step.channel, step.sender, customer, stage, share=share, reason=step.text[:500])
        dropped = before in STAGES and STAGES.index(stage) < STAGES.index(before)
    subject = step.subject_of(step.memory.touch_customer(step.channel, step.sender, customer))
    opportunities = {o.name: o for o in step.kb.opportunities()}
    regression = dropped or any(s.name == REGRESSION for s in found)
    if regression:
        reg = step.kb.regression()
        if reg.steps:
            set_position(step, subject, reg.name, 1)
        step.out.say(replies.regression(reg, subject.name, subject.values.get("stage"))).as_kind("regression")
    else:
        infos = [opportunities[s.name] for s in found if s.name in opportunities]
        step.out.say(replies.news_noted(subject.name, [s.name for s in found], infos))
    return step.out.set_slots({**profile_slots(subject.name, subject.values), "needs_share": False})
