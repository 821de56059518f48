"""Descriptions, news, corrections and the profile form (adapters)."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.base import KeqingAction, guarded, services, turn_from_tracker
from keqing.dialogue import corrections, describe, followups, news, profile
from keqing.dialogue.context import Step


class ActionDiagnose(KeqingAction):
    handler = staticmethod(describe.describe)

    def name(self) -> str:
        return "action_diagnose"


class ActionNews(KeqingAction):
    handler = staticmethod(news.news)

    def name(self) -> str:
        return "action_news"


class ActionCorrectProfile(KeqingAction):
    handler = staticmethod(corrections.correct_profile)

    def name(self) -> str:
        return "action_correct_profile"


class ActionExplainReading(KeqingAction):
    handler = staticmethod(followups.explain_reading)

    def name(self) -> str:
        return "action_explain_reading"


class ValidateProfileForm(FormValidationAction):
    """The profile form asks for our share (the stage) once; its answer is read like any description."""

    def name(self) -> str:
        return "validate_profile_form"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[EventType]:
        return await super().run(dispatcher, tracker, domain)

    def extract_stage(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> Dict[str, Any]:
        stage = profile.form_stage(turn_from_tracker(tracker))
        return {"stage": stage} if stage else {}

    def validate_stage(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: Dict) -> Dict[str, Any]:
        return profile.validate_stage(Step(turn_from_tracker(tracker), services()), value)
