"""A description of a customer: diagnose it, store it, and fill the profile form (name and stage)."""
from __future__ import annotations

import re
from typing import Any, Dict, Optional, Tuple

from keqing.customers import Customer, StageChange
from keqing.dialogue import replies
from keqing.dialogue.context import Step, Subject
from keqing.dialogue.turn import MAX_TEXT, Outcome, Turn, profile_slots
from keqing.kb.normalize import customer_display_name
from keqing.taxonomy import DIMENSIONS, STAGES
from keqing.text.names import first_name

MAX_NAME = 12

# Not a customer's name when the form asks for one.
_NOT_NAME_INTENTS = {
    "greet", "goodbye", "help", "bot_challenge", "affirm", "deny", "ask_concept", "ask_improper_benefit",
    "list_customers", "ask_strategy", "ask_next_step", "ask_detail", "ask_opportunities", "ask_script",
    "correct_profile", "report_regression",
}
_QUESTION_RE = re.compile(r"[?？]|吗|什么|怎么|为什么|哪|谁|多少|几成|啥")
_REFUSAL_RE = re.compile(r"不知道|不清楚|忘了|随便|不用|算了|不想说|保密|没有")
_EDGE_PUNCT = " \t\r\n。.!！~～,，、;；:：\"'“”‘’"


def store_description(step: Step, customer: Customer, detected: Dict[str, Any],
                      text: str) -> Tuple[Optional[str], Optional[StageChange]]:
    """Record a description's profile for `customer`; a new stage also goes into the stage history.

    Returns (the stage before, the stage change or None)."""
    memory, channel, sender = step.memory, step.channel, step.sender
    before = memory.profile(channel, sender, customer)
    previous = before.get("stage") if before else None
    change = None
    stage = (detected.get("stage") or {}).get("value")
    if stage and stage != previous:
        share = (detected.get("share") or {}).get("value")
        change = memory.set_stage(channel, sender, customer, stage, share=share, reason=text[:500])
    if detected:
        memory.record_assessment(channel, sender, customer, detected, source_text=text)
    return (str(previous) if previous is not None else None), change


def pending_description(turn: Turn) -> Optional[Tuple[str, Dict[str, Any]]]:
    """(text, profile) of a description given while no customer was known, when the rep is now
    answering the form's question for the customer's name; else None."""
    if turn.asked_slot != "customer":
        return None
    for past in turn.history:
        if past.profile:
            return past.text[:MAX_TEXT], past.profile
    return None


def attach_pending(step: Step, customer: Customer) -> bool:
    """Store the pending nameless description for `customer` (once)."""
    pending = pending_description(step.turn)
    if pending is None:
        return False
    text, detected = pending
    stored = step.profile_of(customer)
    if stored and any(v.message == text for v in stored.values.values()):
        return False  # already recorded by the diagnosis
    store_description(step, customer, detected, text)
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
    return value if value in STAGES else None


# -- the diagnosis ------------------------------------------------------------------------------
def diagnose(step: Step) -> Outcome:
    turn = step.turn
    detected = turn.profile
    text = turn.text
    named = turn.entity("customer")
    customer = None
    if named and customer_display_name(named):
        customer = step.get_or_create_customer(named)
    elif text:
        customer = step.find_customer(text)
    if customer is None and not named and turn.slot("customer"):
        current = customer_display_name(str(turn.slot("customer")))
        if current:
            customer = step.get_or_create_customer(current)

    previous, change = None, None
    if customer is not None:
        pending = pending_description(turn)
        if pending is not None and not detected:
            # the name answers the form's question about an earlier, nameless description
            attach_pending(step, customer)
            detected = pending[1]
        else:
            previous, change = store_description(step, customer, detected, text)
        subject = step.subject_of(customer)
        step.out.set_slots(profile_slots(subject.name, subject.values))
    else:
        values = turn.slot_values()
        values.update({dim: found["value"] for dim, found in detected.items()})
        subject = Subject(None, None, values)
        step.out.set_slots(profile_slots(None, values, keep=True))

    if detected:
        step.out.say(replies.diagnosis(
            subject.name, detected, previous,
            regressed=bool(change and change.regressed), advanced=bool(change and change.advanced),
        ))
    else:
        step.out.say(replies.nothing_detected(subject.name))
    return step.out


# -- the profile form ---------------------------------------------------------------------------
def form_customer(turn: Turn) -> Optional[str]:
    """The customer's name in this message, when the form can take it."""
    named = turn.entity("customer")
    if named:
        return named
    if turn.slot("requested_slot") != "customer":
        return None
    if turn.intent in _NOT_NAME_INTENTS or turn.profile:
        return None
    return name_from_text(turn.text[:200])


def form_stage(turn: Turn) -> Optional[str]:
    stage = (turn.profile.get("stage") or {}).get("value")
    return str(stage) if stage else None


def validate_customer(step: Step, value: Any) -> Dict[str, Any]:
    name = customer_display_name(str(value or ""))
    if not name or len(name) > 30:
        return {"customer": None}
    customer = step.get_or_create_customer(name)
    attach_pending(step, customer)
    out: Dict[str, Any] = {"customer": customer.display_name}
    stored = step.profile_of(customer)
    if stored:
        for dim in DIMENSIONS:
            found = stored.get(dim)
            if found is not None and step.turn.slot(dim) is None:
                out[dim] = float(found) if dim == "share" else found
    return out


def validate_stage(step: Step, value: Any) -> Dict[str, Any]:
    stage = normalise_stage(value)
    if stage is None:
        return {"stage": None}
    out: Dict[str, Any] = {"stage": stage}
    detected = step.turn.profile
    share = None
    if (detected.get("stage") or {}).get("value") == stage and detected.get("share"):
        share = detected["share"]["value"]
        out["share"] = float(share)
    name = step.turn.slot("customer")
    if name:
        customer = step.get_customer(str(name))
        if customer is not None:
            stored = step.profile_of(customer)
            if (stored.get("stage") if stored else None) != stage:
                step.memory.set_stage(step.channel, step.sender, customer, stage, share=share,
                                      reason=step.text[:500])
    return out
