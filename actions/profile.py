"""Diagnosis of a description, the profile form, and corrections of the profile."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.base import (
    MAX_TEXT,
    Ctx,
    KeqingAction,
    Subject,
    clean_profile,
    guarded,
    latest_entity,
    latest_intent,
    latest_profile,
    latest_text,
    rep_of,
    services,
    slot_events,
)
from keqing import replies
from keqing.kb.normalize import customer_display_name
from keqing.memory import Customer, CustomerMemory, StageChange
from keqing.names import first_name
from keqing.scoring import negated
from keqing.taxonomy import ANIMALS, ENTITY_VALUES, VALUES
from keqing.text import normalize

CORRECTABLE = ("style", "motive", "grade", "stage")
MAX_NAME = 12

# A named style in a correction ("应该是猫头鹰", "是分析型"): animal names and the type names.
_STYLE_NAMES = {**{animal: style for style, animal in ANIMALS.items()}, **{style: style for style in ANIMALS}}
_STYLE_NAME_RE = re.compile("|".join(sorted(_STYLE_NAMES, key=len, reverse=True)))

# Not a customer's name when the form asks for one.
_NOT_NAME_INTENTS = {
    "greet", "goodbye", "help", "bot_challenge", "affirm", "deny", "ask_concept", "ask_improper_benefit",
    "list_customers", "ask_strategy", "ask_next_step", "ask_detail", "ask_opportunities", "ask_script",
    "correct_profile", "report_regression",
}
_QUESTION_RE = re.compile(r"[?？]|吗|什么|怎么|为什么|哪|谁|多少|几成|啥")
_REFUSAL_RE = re.compile(r"不知道|不清楚|忘了|随便|不用|算了|不想说|保密|没有")
_EDGE_PUNCT = " \t\r\n。.!！~～,，、;；:：\"'“”‘’"


# -- shared helpers -------------------------------------------------------------------------
def store_description(
    memory: CustomerMemory, channel: str, sender: str, customer: Customer, detected: Dict[str, Any], text: str
) -> Tuple[Optional[str], Optional[StageChange]]:
    """Record a description's profile for `customer`; a new stage also goes into the stage history.

    Returns (the stage before, the stage change or None)."""
    before = memory.profile(channel, sender, customer)
    previous = before.get("stage") if before else None
    change = None
    stage = (detected.get("stage") or {}).get("value")
    if stage and stage != previous:
        share = (detected.get("share") or {}).get("value")
        change = memory.set_stage(channel, sender, customer, stage, share=share, reason=text[:500])
    if detected:
        memory.record_assessment(channel, sender, customer, detected, source_text=text)
    return previous, change


def pending_description(tracker: Tracker) -> Optional[Tuple[str, Dict[str, Any]]]:
    """(text, profile) of a description given while no customer was known, when the rep is now
    answering the form's question for the customer's name; else None."""
    events = tracker.events or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=None)
    if last_user is None:
        return None
    asked = None
    for event in reversed(events[:last_user]):
        if event.get("event") == "slot" and event.get("name") == "requested_slot":
            asked = event.get("value")
            break
    if asked != "customer":
        return None
    for event in reversed(events[:last_user]):
        if event.get("event") != "user":
            continue
        profile = clean_profile((event.get("parse_data") or {}).get("customer_profile"))
        if profile:
            return (event.get("text") or "")[:MAX_TEXT], profile
    return None


def attach_pending(memory: CustomerMemory, channel: str, sender: str, customer: Customer, tracker: Tracker) -> bool:
    """Store the pending nameless description for `customer` (once)."""
    pending = pending_description(tracker)
    if pending is None:
        return False
    text, detected = pending
    stored = memory.profile(channel, sender, customer)
    if stored and any(v.message == text for v in stored.values.values()):
        return False  # already recorded by action_diagnose
    store_description(memory, channel, sender, customer, detected, text)
    return True


def name_from_text(text: str) -> Optional[str]:
    """The rep's answer to "这位客户怎么称呼?" as a name, if it looks like one."""
    found = first_name(text or "")
    if found:
        return found
    candidate = (text or "").strip(_EDGE_PUNCT)
    candidate = re.sub(r"^(?:他|她|客户)?(?:叫|是|姓)", "", candidate).strip(_EDGE_PUNCT)
    candidate = customer_display_name(candidate)
    if not candidate or len(candidate) > MAX_NAME or candidate.startswith("/"):
        return None
    if _QUESTION_RE.search(candidate) or _REFUSAL_RE.search(candidate) or candidate.isdigit():
        return None
    return candidate


def normalise_stage(value: Any) -> Optional[str]:
    if not isinstance(value, str):
        return None
    value = value.strip().removesuffix("阶段")
    return value if value in VALUES["stage"] else None


# -- action_diagnose ---------------------------------------------------------------------------
class ActionDiagnose(KeqingAction):
    def name(self) -> str:
        return "action_diagnose"

    def act(self, ctx: Ctx) -> List[EventType]:
        detected = ctx.profile
        text = ctx.text
        named = ctx.entity("customer")
        customer = None
        if named and customer_display_name(named):
            customer = ctx.mem("get_or_create_customer", named)
        elif text:
            customer = ctx.mem("find_customer", text)
        if customer is None and not named and ctx.slot("customer"):
            current = customer_display_name(str(ctx.slot("customer")))
            if current:
                customer = ctx.mem("get_or_create_customer", current)

        previous, change = None, None
        if customer is not None:
            pending = pending_description(ctx.tracker)
            if pending is not None and not detected:
                # the name answers the form's question about an earlier, nameless description
                attach_pending(ctx.memory, ctx.channel, ctx.sender, customer, ctx.tracker)
                detected = pending[1]
            else:
                previous, change = store_description(ctx.memory, ctx.channel, ctx.sender, customer, detected, text)
            subject = ctx.subject_of(customer)
            events = slot_events(subject.name, subject.values)
        else:
            values = ctx.slot_values()
            values.update({dim: found["value"] for dim, found in detected.items()})
            subject = Subject(None, None, values)
            events = slot_events(None, values, keep=True)

        if detected:
            ctx.say(replies.diagnosis(
                subject.name, detected, previous,
                regressed=bool(change and change.regressed), advanced=bool(change and change.advanced),
            ))
        else:
            ctx.say(replies.nothing_detected(subject.name))
        return events


# -- validate_profile_form ----------------------------------------------------------------------
class ValidateProfileForm(FormValidationAction):
    """Custom slot mappings of profile_form: the customer's name and the stage."""

    def name(self) -> str:
        return "validate_profile_form"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[EventType]:
        return await super().run(dispatcher, tracker, domain)

    # -- extraction ------------------------------------------------------------------------
    def extract_customer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> Dict[str, Any]:
        named = latest_entity(tracker, "customer")
        if named:
            return {"customer": named}
        if tracker.get_slot("requested_slot") != "customer":
            return {}
        if latest_intent(tracker) in _NOT_NAME_INTENTS or latest_profile(tracker):
            return {}
        found = name_from_text(latest_text(tracker)[:200])
        return {"customer": found} if found else {}

    def extract_stage(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> Dict[str, Any]:
        stage = (latest_profile(tracker).get("stage") or {}).get("value")
        return {"stage": stage} if stage else {}

    # -- validation ------------------------------------------------------------------------
    def validate_customer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict
    ) -> Dict[str, Any]:
        name = customer_display_name(str(value or ""))
        if not name or len(name) > 30:
            return {"customer": None}
        _, memory = services()
        channel, sender = rep_of(tracker)
        customer = memory.get_or_create_customer(channel, sender, name)
        attach_pending(memory, channel, sender, customer, tracker)
        out: Dict[str, Any] = {"customer": customer.display_name}
        stored = memory.profile(channel, sender, customer)
        if stored:
            for dim in ("style", "motive", "grade", "stage", "share"):
                value = stored.get(dim)
                if value is not None and tracker.get_slot(dim) is None:
                    out[dim] = float(value) if dim == "share" else value
        return out

    def validate_stage(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict
    ) -> Dict[str, Any]:
        stage = normalise_stage(value)
        if stage is None:
            return {"stage": None}
        out: Dict[str, Any] = {"stage": stage}
        detected = latest_profile(tracker)
        share = None
        if (detected.get("stage") or {}).get("value") == stage and detected.get("share"):
            share = detected["share"]["value"]
            out["share"] = float(share)
        name = tracker.get_slot("customer")
        if name:
            _, memory = services()
            channel, sender = rep_of(tracker)
            customer = memory.get_customer(channel, sender, str(name))
            if customer is not None:
                stored = memory.profile(channel, sender, customer)
                if (stored.get("stage") if stored else None) != stage:
                    memory.set_stage(channel, sender, customer, stage, share=share,
                                     reason=latest_text(tracker)[:500])
        return out


# -- action_correct_profile ----------------------------------------------------------------------
def named_style(text: str) -> Tuple[Optional[str], set]:
    """(the style named and not negated, last one wins; the styles named but negated)."""
    norm = normalize(text or "")
    chosen, rejected = None, set()
    for m in _STYLE_NAME_RE.finditer(norm):
        style = _STYLE_NAMES[m.group(0)]
        if negated(norm, m.start()):
            rejected.add(style)
        else:
            chosen = style
    return chosen, rejected


def corrected_values(ctx: Ctx) -> Dict[str, Any]:
    """The new values the rep gives: button entities, a named style, then the NLU profile."""
    new: Dict[str, Any] = {}
    for ent in (ctx.tracker.latest_message or {}).get("entities") or []:
        mapped = ENTITY_VALUES.get(ent.get("entity")) if isinstance(ent, dict) else None
        if mapped and mapped[0] in CORRECTABLE:
            new.setdefault(mapped[0], mapped[1])
    text = ctx.text[:2000]
    chosen, rejected = named_style(text)
    if chosen and "style" not in new:
        new["style"] = chosen
    for dim, found in ctx.profile.items():
        if dim in CORRECTABLE and dim not in new:
            if dim == "style" and found["value"] in rejected:
                continue
            new[dim] = found["value"]
    return new


def original_message(ctx: Ctx, subject: Subject, dimension: str) -> str:
    """The description that led to the value being corrected (the last assessment's message)."""
    if subject.profile is not None:
        current = subject.profile.values.get(dimension)
        if current is not None and current.source == "assessment" and current.message:
            return current.message
        for corr in reversed(ctx.mem("corrections", subject.customer)):
            if corr.dimension == dimension and corr.original_message:
                return corr.original_message
    for event in reversed(ctx.tracker.events or []):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent == "describe_customer" or clean_profile((event.get("parse_data") or {}).get("customer_profile")):
            if event.get("text") != ctx.tracker.latest_message.get("text"):
                return (event.get("text") or "")[:MAX_TEXT]
    return ""


class ActionCorrectProfile(KeqingAction):
    def name(self) -> str:
        return "action_correct_profile"

    def act(self, ctx: Ctx) -> List[EventType]:
        subject = ctx.subject()
        new = corrected_values(ctx)
        if not new:
            ctx.say(replies.ask_which_style())
            return ctx.sync(subject)
        changes = []
        share = (ctx.profile.get("share") or {}).get("value")
        for dim in CORRECTABLE:
            if dim not in new:
                continue
            old = subject.values.get(dim)
            changes.append((dim, old, new[dim]))
            if subject.customer is not None and str(old) != str(new[dim]):
                ctx.mem("record_correction", subject.customer, dim, new[dim],
                        original_message=original_message(ctx, subject, dim),
                        correction_message=ctx.text, old_value=old)
        if subject.customer is not None and "stage" in new and share is not None:
            ctx.mem("record_correction", subject.customer, "share", share,
                    original_message=original_message(ctx, subject, "share"), correction_message=ctx.text)
        ctx.say(replies.correction_done(changes, self._advice(ctx, new), subject.name))
        values = dict(subject.values, **new)
        if "stage" in new:
            values["share"] = share
        events = [SlotSet(dim, values.get(dim)) for dim in new]
        if "stage" in new:
            events.append(SlotSet("share", None if share is None else float(share)))
        if subject.switched and subject.name:
            events = slot_events(subject.name, values)
        return events

    @staticmethod
    def _advice(ctx: Ctx, new: Dict[str, Any]) -> List[str]:
        if "style" in new:
            item = ctx.kb.explain(new["style"])
            return list((item.details.get("communicate") if item else None) or (item.tactics if item else ()))
        for dim in ("motive", "grade"):
            if dim in new:
                item = ctx.kb.explain(new[dim])
                return list(item.tactics) if item else []
        if "stage" in new:
            item = ctx.kb.explain(new["stage"])
            return list(item.tactics) if item else []
        return []
