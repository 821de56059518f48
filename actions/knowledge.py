"""Compliance, concepts and key people: answers from the knowledge base (adapters)."""
from __future__ import annotations

from actions.base import KeqingAction
from keqing.dialogue import followups, knowledge
from keqing.dialogue.knowledge import term_candidates  # noqa: F401  (tests import it from here)


class ActionExplainConcept(KeqingAction):
    handler = staticmethod(knowledge.explain_concept)

    def name(self) -> str:
        return "action_explain_concept"


class ActionCompliance(KeqingAction):
    handler = staticmethod(knowledge.compliance)

    def name(self) -> str:
        return "action_compliance"


class ActionLawfulPlan(KeqingAction):
    handler = staticmethod(followups.lawful_plan)

    def name(self) -> str:
        return "action_lawful_plan"


class ActionKeyPeople(KeqingAction):
    handler = staticmethod(followups.key_people)

    def name(self) -> str:
        return "action_key_people"
