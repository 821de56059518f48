"""Strategy, the stage's steps one by one, the opportunity checklist, scripts and regression repair."""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

from rasa_sdk.events import EventType

from actions.base import Ctx, KeqingAction, Subject, last_bot_action
from keqing import replies
from keqing.kb.query import StepInfo
from keqing.memory import PlaybookPosition

CHECKLIST_ACTIONS = ("action_opportunities", "action_opportunity_answer")


def _explain(ctx: Ctx, term: Optional[str]) -> Any:
    return ctx.kb.explain(term) if term else None


def ask_for_basics(ctx: Ctx, subject: Subject) -> None:
    """What to say when an action needs the customer's profile and there is none."""
    if subject.values.get("stage") and subject.customer is None and subject.name is None:
        ctx.say(replies.need_customer())
    else:
        ctx.say(replies.need_description(subject.name))


# -- playbooks: a stage's steps, or the regression repair steps ----------------------------------
class Playbook:
    def __init__(self, name: str, steps: Sequence[StepInfo], repair: bool):
        self.name, self.steps, self.repair = name, list(steps), repair

    @property
    def total(self) -> int:
        return len(self.steps)

    def step(self, order: int) -> StepInfo:
        return self.steps[max(1, min(order, self.total)) - 1]


def current_playbook(ctx: Ctx, subject: Subject) -> Tuple[Optional[Playbook], Optional[PlaybookPosition]]:
    """The playbook the customer is walking (repair steps after a regression, else the stage's)."""
    position = ctx.mem("playbook_position", subject.customer) if subject.customer is not None else None
    if position is not None and position.stage not in replies.STAGES:
        reg = ctx.kb.regression()
        if position.stage == reg.name and reg.steps:
            return Playbook(reg.name, reg.steps, repair=True), position
    stage = subject.values.get("stage")
    if not stage:
        return None, position
    steps = ctx.kb.steps(stage)
    if not steps:
        return None, position
    return Playbook(stage, steps, repair=False), position


def set_position(ctx: Ctx, subject: Subject, playbook: str, order: int) -> None:
    if subject.customer is not None:
        ctx.mem("set_playbook_step", subject.customer, playbook, order)


# -- action_give_strategy ------------------------------------------------------------------------
class ActionGiveStrategy(KeqingAction):
    def name(self) -> str:
        return "action_give_strategy"

    def act(self, ctx: Ctx) -> List[EventType]:
        subject = ctx.subject()
        v = subject.values
        if v.get("stage"):
            strategy = ctx.kb.strategy(v["stage"], style=v.get("style"), motive=v.get("motive"), grade=v.get("grade"))
            ctx.say(replies.strategy(strategy, subject.name))
        elif any(v.get(dim) for dim in ("style", "motive", "grade")):
            ctx.say(replies.advice_without_stage(
                subject.name, _explain(ctx, v.get("style")), _explain(ctx, v.get("motive")), _explain(ctx, v.get("grade"))
            ))
        else:
            ctx.say(replies.need_description(subject.name))
        return ctx.sync(subject)


# -- action_next_step / action_step_detail -------------------------------------------------------
class ActionNextStep(KeqingAction):
    def name(self) -> str:
        return "action_next_step"

    def act(self, ctx: Ctx) -> List[EventType]:
        subject = ctx.subject()
        playbook, position = current_playbook(ctx, subject)
        if playbook is None:
            if subject.customer is not None and any(subject.values.get(d) for d in ("style", "motive", "grade")):
                ctx.say(replies.need_stage(subject.name))
            else:
                ask_for_basics(ctx, subject)
            return ctx.sync(subject)
        if subject.customer is None:
            ctx.say(replies.need_customer())
            return ctx.sync(subject)
        on_it = position is not None and position.stage == playbook.name
        if on_it and position.step_order >= playbook.total:
            stage = subject.values.get("stage")
            if playbook.repair and stage:
                # repair done: back to the stage's own steps, from the first one
                steps = ctx.kb.steps(stage)
                ctx.say(replies.repair_done_back_to_stage(playbook.total, subject.name, stage))
                if steps:
                    set_position(ctx, subject, stage, 1)
                    ctx.say(replies.step(steps[0], len(steps), subject.name))
            else:
                ctx.say(replies.plan_complete(stage or playbook.name, playbook.total, subject.name, playbook.repair))
            return ctx.sync(subject)
        order = position.step_order + 1 if on_it else 1
        set_position(ctx, subject, playbook.name, order)
        ctx.say(replies.step(playbook.step(order), playbook.total, subject.name, repair=playbook.repair))
        return ctx.sync(subject)


class ActionStepDetail(KeqingAction):
    def name(self) -> str:
        return "action_step_detail"

    def act(self, ctx: Ctx) -> List[EventType]:
        subject = ctx.subject()
        playbook, position = current_playbook(ctx, subject)
        if playbook is None:
            ask_for_basics(ctx, subject)
            return ctx.sync(subject)
        if position is not None and position.stage == playbook.name:
            order = position.step_order
        else:
            order = 1  # nothing shown yet: the first step is the current one
            set_position(ctx, subject, playbook.name, order)
        ctx.say(replies.step_detail(playbook.step(order), playbook.total, subject.name, repair=playbook.repair))
        return ctx.sync(subject)


# -- opportunities ---------------------------------------------------------------------------------
class ActionOpportunities(KeqingAction):
    def name(self) -> str:
        return "action_opportunities"

    def act(self, ctx: Ctx) -> List[EventType]:
        subject = ctx.subject()
        stage = subject.values.get("stage")
        if not stage:
            if subject.customer is not None or subject.values:
                ctx.say(replies.need_stage(subject.name))
            else:
                ctx.say(replies.need_description(subject.name))
            return ctx.sync(subject)
        if stage == replies.EARLY_STAGE:
            opportunities = ctx.kb.opportunities(stage)
            if subject.customer is None:
                ctx.say(replies.need_customer())
            elif opportunities:
                ctx.mem("add_note", subject.customer, replies.checklist_start_note())
                ctx.say(replies.checklist_question(opportunities[0], 1, len(opportunities), subject.name))
            return ctx.sync(subject)
        if stage == replies.DEV_STAGE:
            steps = ctx.kb.steps(stage)
            signals = list(steps[0].details) if steps else []
            ctx.say(replies.stage_watch(stage, signals, subject.name, entry=True))
        else:
            signals = list(ctx.kb.regression().signs.get(stage, ()))
            ctx.say(replies.stage_watch(stage, signals, subject.name))
        return ctx.sync(subject)


class ActionOpportunityAnswer(KeqingAction):
    """有/没有: the answer to the checklist question just asked; outside a checklist a neutral reply."""

    def name(self) -> str:
        return "action_opportunity_answer"

    def act(self, ctx: Ctx) -> List[EventType]:
        present = ctx.intent != "deny"
        if last_bot_action(ctx.tracker) not in CHECKLIST_ACTIONS:
            ctx.say(replies.neutral_ack(present))
            return []
        subject = ctx.subject()
        if subject.customer is None:
            ctx.say(replies.neutral_ack(present))
            return []
        opportunities = ctx.kb.opportunities(replies.EARLY_STAGE)
        answers = replies.checklist_state(ctx.mem("notes", subject.customer))
        open_items = [o for o in opportunities if answers is not None and o.key not in answers]
        if answers is None or not open_items:
            ctx.say(replies.neutral_ack(present))
            return ctx.sync(subject)
        current = open_items[0]
        ctx.mem("add_note", subject.customer, replies.checklist_answer_note(current, present))
        answers[current.key] = present
        if len(open_items) > 1:
            nxt = open_items[1]
            ctx.say(replies.checklist_question(nxt, opportunities.index(nxt) + 1, len(opportunities)))
        else:
            found = [o for o in opportunities if answers.get(o.key)]
            steps = ctx.kb.steps(replies.EARLY_STAGE)
            ctx.say(replies.checklist_summary(
                subject.name, found, len(opportunities), replies.opportunity_step(steps),
                ctx.kb.create_opportunity(replies.EARLY_STAGE),
            ))
        return ctx.sync(subject)


# -- scripts -----------------------------------------------------------------------------------------
class ActionScript(KeqingAction):
    def name(self) -> str:
        return "action_script"

    def act(self, ctx: Ctx) -> List[EventType]:
        subject = ctx.subject()
        style = subject.values.get("style")
        if not style:
            ctx.say(replies.need_description(subject.name))
            return ctx.sync(subject)
        examples = ctx.kb.script_examples(style)
        ctx.say(replies.script(style, examples, ctx.kb.call_script(style), subject.name))
        return ctx.sync(subject)


# -- regression ----------------------------------------------------------------------------------------
class ActionRegression(KeqingAction):
    def name(self) -> str:
        return "action_regression"

    def act(self, ctx: Ctx) -> List[EventType]:
        subject = ctx.subject()
        reg = ctx.kb.regression()
        stage = subject.values.get("stage")
        if subject.customer is not None:
            ctx.mem("add_note", subject.customer, replies.regression_note(ctx.text))
            detected = ctx.profile.get("stage")
            if detected and detected["value"] != stage:
                share = (ctx.profile.get("share") or {}).get("value")
                ctx.mem("set_stage", subject.customer, detected["value"], share=share, reason=ctx.text[:500])
                subject = ctx.subject_of(subject.customer, subject.switched)
                stage = subject.values.get("stage")
            if reg.steps:
                set_position(ctx, subject, reg.name, 1)
        ctx.say(replies.regression(reg, subject.name, stage))
        return ctx.sync(subject)
