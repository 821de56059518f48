"""Reminders and follow-up cadence: "下周三上午提醒我跟进孙总", "这周要跟进谁".

A reminder is confirmed with its exact date (12月9日(周三)上午9:00). Due reminders of the rep are said at
the start of their next turn in every channel (and pushed by the channel's delivery worker where it can
send on its own, keqing.reminders.delivery). Grades set a default cadence (knowledge/grades.yml): a
customer not spoken of for longer than it is overdue.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Callable, List, Optional, Tuple

from keqing.customers import CustomerMemory
from keqing.dialogue import replies
from keqing.dialogue.context import Step
from keqing.dialogue.manage import _mentioned
from keqing.dialogue.people import current
from keqing.dialogue.turn import Outcome, answers
from keqing.kb.query import KnowledgeBase
from keqing.reminders.clock import local_now
from keqing.reminders.dates import parse_when, shown
from keqing.reminders.digest import answer_command
from keqing.text.names import find_names

Clock = Callable[[], datetime]
_clock: Clock = local_now
_TASK = re.compile(r"(?:提醒我|提醒一下|记得|叫我)(?P<task>.+)$")
_FILLER = re.compile(r"^(?:帮我设个提醒|帮我设一个提醒|设个提醒|帮我提醒|提醒我|麻烦)[,，:：\s]*")


def set_clock(clock: Clock) -> None:
    """Tests and the delivery worker may run on another clock (the local time of the deployment)."""
    global _clock
    _clock = clock


def now() -> datetime:
    return _clock()


def _task(text: str, when_text: str, customer: Optional[str]) -> str:
    body = text.replace(when_text, "") if when_text else text
    m = _TASK.search(body)
    task = (m.group("task") if m else _FILLER.sub("", body)).strip(" ,，。.!！")
    task = re.sub(r"^(?:再|要|去)", "", task)
    if not task:
        task = f"跟进{customer}" if customer else "跟进客户"
    return task[:80]


@answers("reminder_set")
def set_reminder(step: Step) -> Outcome:
    when = parse_when(step.text, now())
    names = find_names(step.text)
    customer = (step.get_customer(names[0].name) if names else None) or _mentioned(step, step.text) or current(step)
    if when is None:
        return step.out.say(replies.reminder_when(customer.display_name if customer else None)).as_kind("ask_when")
    task = _task(step.text, when.text, customer.display_name if customer else None)
    step.memory.add_reminder(step.channel, step.sender, task, when.at, customer)
    return step.out.say(replies.reminder_set(shown(when.at), task))


@answers("due_list")
def list_due(step: Step) -> Outcome:
    """Reminders of the next 7 days and customers overdue by their grade's cadence."""
    upcoming, overdue = due_items(step.memory, step.kb, step.channel, step.sender, now())
    return step.out.say(replies.due_list(upcoming, overdue))


def due_items(memory: CustomerMemory, kb: KnowledgeBase, channel: str, sender: str,
              today: datetime) -> Tuple[List[Tuple[str, str]], List[Tuple[str, int]]]:
    """(when, task) of the rep's reminders of the next 7 days, and (customer, days) of those overdue."""
    upcoming = [(shown(r.due_at), r.text) for r in memory.reminders(channel, sender, until=today + timedelta(days=7))]
    overdue: List[Tuple[str, int]] = []
    for activity, _ in memory.activity(channel, sender):
        if activity.last is None:
            continue
        days = (today - activity.last).days
        limit = kb.cadence_days(activity.grade) if activity.grade else None
        if days >= (limit or 14):
            overdue.append((activity.customer, days))
    overdue.sort(key=lambda x: -x[1])
    return upcoming, overdue


def due_now(step: Step) -> List[str]:
    """Texts of this rep's reminders that are due, claimed for this turn (said once)."""
    out = []
    for rem in step.memory.due_reminders(now(), channel=step.channel, sender=step.sender, limit=5):
        worker = f"turn:{step.channel}:{step.sender}"
        if step.memory.claim_reminder(rem.id, worker, now()):
            out.append(f"{shown(rem.due_at)}:{rem.text}")
            step.memory.mark_delivered(rem.id, worker, now())
    return out


def digest_setting(step: Step) -> Optional[Outcome]:
    """"关掉周报" / "不要每周提醒了" / "打开周报", whatever the intent: stored and confirmed; else None."""
    answer = answer_command(step.memory, step.channel, step.sender, step.text)
    return step.out.say(answer).as_kind("digest_setting") if answer is not None else None
