"""Diagnosis of a description, the profile form, and corrections of the profile (adapters)."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.base import KeqingAction, guarded, services, turn_from_tracker
from keqing.dialogue import corrections, profile
from keqing.dialogue.context import Step


class ActionDiagnose(KeqingAction):
    handler = staticmethod(profile.diagnose)

    def name(self) -> str:
        return "action_diagnose"


class ActionCorrectProfile(KeqingAction):
    handler = staticmethod(corrections.correct_profile)

    def name(self) -> str:
        return "action_correct_profile"


class ValidateProfileForm(FormValidationAction):
    """Custom slot mappings of profile_form: the customer's name and the stage."""

    def name(self) -> str:
        return "validate_profile_form"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[EventType]:
        return await super().run(dispatcher, tracker, domain)

    def extract_customer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> Dict[str, Any]:
        found = profile.form_customer(turn_from_tracker(tracker))
        return {"customer": found} if found else {}

    def extract_stage(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> Dict[str, Any]:
        stage = profile.form_stage(turn_from_tracker(tracker))
        return {"stage": stage} if stage else {}

    def validate_customer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: Dict) -> Dict[str, Any]:
        return profile.validate_customer(Step(turn_from_tracker(tracker), services()), value)

    def validate_stage(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: Dict) -> Dict[str, Any]:
        return profile.validate_stage(Step(turn_from_tracker(tracker), services()), value)
