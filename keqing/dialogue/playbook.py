"""Walking a customer's playbook: the strategy, its steps one by one, scripts and regression repair."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from keqing.customers import PlaybookPosition
from keqing.dialogue import replies
from keqing.dialogue.context import Step, Subject
from keqing.dialogue.turn import Outcome, answers
from keqing.kb.query import StepInfo
from keqing.taxonomy import PERSON_TRAITS


def _explain(step: Step, term: Optional[str]) -> Any:
    return step.kb.explain(term) if term else None


def ask_for_basics(step: Step, subject: Subject) -> None:
    """What to say when a step needs the customer's profile and there is none."""
    if subject.values.get("stage") and subject.customer is None and subject.name is None:
        step.out.say(replies.need_customer())
    else:
        step.out.say(replies.need_description(subject.name))


@dataclass
class Playbook:
    """A stage's steps, or the regression repair steps."""

    name: str
    steps: List[StepInfo]
    repair: bool

    @property
    def total(self) -> int:
        return len(self.steps)

    def step(self, order: int) -> StepInfo:
        return self.steps[max(1, min(order, self.total)) - 1]


def current_playbook(step: Step, subject: Subject) -> Tuple[Optional[Playbook], Optional[PlaybookPosition]]:
    """The playbook the customer is walking (repair steps after a regression, else the stage's)."""
    position = (step.memory.playbook_position(step.channel, step.sender, subject.customer)
                if subject.customer is not None else None)
    if position is not None and position.stage not in replies.STAGES:
        reg = step.kb.regression()
        if position.stage == reg.name and reg.steps:
            return Playbook(reg.name, list(reg.steps), repair=True), position
    stage = subject.values.get("stage")
    if not stage:
        return None, position
    steps = step.kb.steps(stage)
    if not steps:
        return None, position
    return Playbook(stage, list(steps), repair=False), position


def set_position(step: Step, subject: Subject, playbook: str, order: int) -> None:
    if subject.customer is not None:
        step.memory.set_playbook_step(step.channel, step.sender, subject.customer, playbook, order)


@answers("strategy")
def give_strategy(step: Step) -> Outcome:
    subject = step.subject()
    v = subject.values
    if v.get("stage"):
        strategy = step.kb.strategy(v["stage"], style=v.get("style"), motive=v.get("motive"), grade=v.get("grade"))
        step.out.say(replies.strategy(strategy, subject.name))
    elif any(v.get(dim) for dim in PERSON_TRAITS):
        step.out.say(replies.advice_without_stage(
            subject.name, _explain(step, v.get("style")), _explain(step, v.get("motive")),
            _explain(step, v.get("grade")),
        ))
    else:
        step.out.say(replies.need_description(subject.name))
    return step.sync(subject)


@answers("next_step")
def next_step(step: Step) -> Outcome:
    subject = step.subject()
    playbook, position = current_playbook(step, subject)
    if playbook is None:
        if subject.customer is not None and any(subject.values.get(d) for d in PERSON_TRAITS):
            step.out.say(replies.need_stage(subject.name))
        else:
            ask_for_basics(step, subject)
        return step.sync(subject)
    if subject.customer is None:
        step.out.say(replies.need_customer())
        return step.sync(subject)
    on_it = position is not None and position.stage == playbook.name
    if on_it and position is not None and position.step_order >= playbook.total:
        stage = subject.values.get("stage")
        if playbook.repair and stage:
            # repair done: back to the stage's own steps, from the first one
            steps = step.kb.steps(stage)
            step.out.say(replies.repair_done_back_to_stage(playbook.total, subject.name, stage))
            if steps:
                set_position(step, subject, stage, 1)
                step.out.say(replies.step(steps[0], len(steps), subject.name))
        else:
            step.out.say(replies.plan_complete(stage or playbook.name, playbook.total, subject.name, playbook.repair))
        return step.sync(subject)
    order = position.step_order + 1 if on_it and position is not None else 1
    set_position(step, subject, playbook.name, order)
    step.out.say(replies.step(playbook.step(order), playbook.total, subject.name, repair=playbook.repair))
    return step.sync(subject)


@answers("step_detail")
def step_detail(step: Step) -> Outcome:
    subject = step.subject()
    playbook, position = current_playbook(step, subject)
    if playbook is None:
        ask_for_basics(step, subject)
        return step.sync(subject)
    if position is not None and position.stage == playbook.name:
        order = position.step_order
    else:
        order = 1  # nothing shown yet: the first step is the current one
        set_position(step, subject, playbook.name, order)
    step.out.say(replies.step_detail(playbook.step(order), playbook.total, subject.name, repair=playbook.repair))
    return step.sync(subject)


@answers("script")
def script(step: Step, more: bool = False) -> Outcome:
    subject = step.subject()
    style = subject.values.get("style")
    if not style:
        step.out.say(replies.need_description(subject.name))
        return step.sync(subject)
    examples = list(step.kb.script_examples(style))
    shown = SCRIPT_SHOWN if len(examples) > SCRIPT_SHOWN else 0
    if more and shown:
        step.out.say(replies.script(style, examples[shown:], None, subject.name, more=True))
    else:
        step.out.say(replies.script(style, examples[:SCRIPT_SHOWN], step.kb.call_script(style), subject.name))
    return step.sync(subject)


SCRIPT_SHOWN = 3  # sample sentences in the first answer; "还有别的说法吗" shows the rest


@answers("regression")
def regression(step: Step) -> Outcome:
    subject = step.subject()
    reg = step.kb.regression()
    stage = subject.values.get("stage")
    if subject.customer is not None:
        step.memory.add_note(step.channel, step.sender, subject.customer, replies.regression_note(step.text))
        detected = step.turn.profile.get("stage")
        if detected and detected["value"] != stage:
            share = (step.turn.profile.get("share") or {}).get("value")
            step.memory.set_stage(step.channel, step.sender, subject.customer, detected["value"], share=share,
                                  reason=step.text[:500])
            subject = step.subject_of(subject.customer, subject.switched)
            stage = subject.values.get("stage")
        if reg.steps:
            set_position(step, subject, reg.name, 1)
    step.out.say(replies.regression(reg, subject.name, stage))
    return step.sync(subject)

