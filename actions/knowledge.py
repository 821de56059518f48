"""Knowledge-base-only actions: compliance refusals and concept explanations (adapters)."""
from __future__ import annotations

from actions.base import KeqingAction
from keqing.dialogue import knowledge
from keqing.dialogue.knowledge import (
    term_candidates,  # noqa: F401  (tests import it from here)
)


class ActionExplainConcept(KeqingAction):
    handler = staticmethod(knowledge.explain_concept)

    def name(self) -> str:
        return "action_explain_concept"


class ActionCompliance(KeqingAction):
    handler = staticmethod(knowledge.compliance)

    def name(self) -> str:
        return "action_compliance"
