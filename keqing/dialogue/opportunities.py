"""The opportunity checklist: the eight opportunity signals asked one by one, and the watch list of a stage."""
from __future__ import annotations

from keqing.dialogue import replies
from keqing.dialogue.context import Step
from keqing.dialogue.turn import Outcome

CHECKLIST_ACTIONS = ("action_opportunities", "action_opportunity_answer")


def opportunities(step: Step) -> Outcome:
    subject = step.subject()
    stage = subject.values.get("stage")
    if not stage:
        if subject.customer is not None or subject.values:
            step.out.say(replies.need_stage(subject.name))
        else:
            step.out.say(replies.need_description(subject.name))
        return step.sync(subject)
    if stage == replies.EARLY_STAGE:
        found = step.kb.opportunities(stage)
        if subject.customer is None:
            step.out.say(replies.need_customer())
        elif found:
            step.memory.add_note(step.channel, step.sender, subject.customer, replies.checklist_start_note())
            step.out.say(replies.checklist_question(found[0], 1, len(found), subject.name))
        return step.sync(subject)
    if stage == replies.DEV_STAGE:
        steps = step.kb.steps(stage)
        signals = list(steps[0].details) if steps else []
        step.out.say(replies.stage_watch(stage, signals, subject.name, entry=True))
    else:
        signals = list(step.kb.regression().signs.get(stage, ()))
        step.out.say(replies.stage_watch(stage, signals, subject.name))
    return step.sync(subject)


def opportunity_answer(step: Step) -> Outcome:
    """有/没有: the answer to the checklist question just asked; outside a checklist a neutral reply."""
    present = step.turn.intent != "deny"
    if step.turn.last_action not in CHECKLIST_ACTIONS:
        return step.out.say(replies.neutral_ack(present))
    subject = step.subject()
    if subject.customer is None:
        return step.out.say(replies.neutral_ack(present))
    found = step.kb.opportunities(replies.EARLY_STAGE)
    answers = replies.checklist_state(step.memory.notes(step.channel, step.sender, subject.customer))
    open_items = [o for o in found if answers is not None and o.key not in answers]
    if answers is None or not open_items:
        step.out.say(replies.neutral_ack(present))
        return step.sync(subject)
    current = open_items[0]
    step.memory.add_note(step.channel, step.sender, subject.customer, replies.checklist_answer_note(current, present))
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
