"""Reminders, what is due, meeting prep and the account map (adapters)."""
from __future__ import annotations

from actions.base import KeqingAction
from keqing.dialogue import brief, schedule


class ActionSetReminder(KeqingAction):
    handler = staticmethod(schedule.set_reminder)

    def name(self) -> str:
        return "action_set_reminder"


class ActionListDue(KeqingAction):
    handler = staticmethod(schedule.list_due)

    def name(self) -> str:
        return "action_list_due"


class ActionPrepareMeeting(KeqingAction):
    handler = staticmethod(brief.prepare_meeting)

    def name(self) -> str:
        return "action_prepare_meeting"


class ActionAccountMap(KeqingAction):
    handler = staticmethod(brief.account_map)

    def name(self) -> str:
        return "action_account_map"
