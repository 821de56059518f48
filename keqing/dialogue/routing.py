"""One turn of the dialogue: what the rep's own wording settles comes before the intent the model read.

In order: a command (digest on/off, the style-map picture); the answer to a pending question (a delete to
confirm); a message saying a stored name was wrong; "那合法的办法呢" after a refusal; a question about the
buying committee; an answer to the offer to walk through the opportunity signals. Only when none of them
applies does the handler of the predicted intent answer. The rep's due reminders go first in the reply,
claimed only once the answer exists, so a failed turn loses none.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

from keqing.dialogue import commands, followups, manage, opportunities, replies, schedule
from keqing.dialogue.context import Step
from keqing.dialogue.turn import Outcome

Route = Callable[[Step], Optional[Outcome]]
Handler = Callable[[Step], Outcome]

EXPLICIT_WORDING: Sequence[Route] = (
    commands.command,
    manage.pending_answer,
    manage.rename_said,
    followups.lawful_followup,
    followups.key_people_asked,
    opportunities.checklist_reply,
)


def answer_turn(handler: Handler, step: Step) -> Outcome:
    outcome = next((out for out in (route(step) for route in EXPLICIT_WORDING) if out is not None), None)
    if outcome is None:
        outcome = handler(step)
    due = schedule.due_now(step)
    if due:
        outcome.replies[:0] = replies.due_reminders(due)
    return outcome
