"""Strategy, the stage's steps one by one, the opportunity checklist, scripts and regression repair (adapters)."""
from __future__ import annotations

from actions.base import KeqingAction
from keqing.dialogue import opportunities, playbook


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


class ActionOpportunityAnswer(KeqingAction):
    handler = staticmethod(opportunities.opportunity_answer)

    def name(self) -> str:
        return "action_opportunity_answer"


class ActionScript(KeqingAction):
    handler = staticmethod(playbook.script)

    def name(self) -> str:
        return "action_script"


class ActionRegression(KeqingAction):
    handler = staticmethod(playbook.regression)

    def name(self) -> str:
        return "action_regression"
