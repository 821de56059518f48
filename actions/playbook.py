"""Strategy, the stage's steps, the opportunity checklist, scripts, "还有呢" (adapters)."""
from __future__ import annotations

from actions.base import KeqingAction
from keqing.dialogue import followups, opportunities, playbook


class ActionGiveStrategy(KeqingAction):
    handler = staticmethod(playbook.give_strategy)

    def name(self) -> str:
        return "action_give_strategy"


class ActionNextStep(KeqingAction):
    handler = staticmethod(playbook.next_step)

    def name(self) -> str:
        return "action_next_step"


class ActionStepDetail(KeqingAction):
    handler = staticmethod(playbook.step_detail)

    def name(self) -> str:
        return "action_step_detail"


class ActionOpportunities(KeqingAction):
    handler = staticmethod(opportunities.opportunities)

    def name(self) -> str:
        return "action_opportunities"


class ActionScript(KeqingAction):
    handler = staticmethod(playbook.script)

    def name(self) -> str:
        return "action_script"


class ActionMore(KeqingAction):
    handler = staticmethod(followups.more)

    def name(self) -> str:
        return "action_more"
