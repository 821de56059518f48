"""The profile form: the rep's answer to "你们大概占这家客户多少采购份额?" (the stage, and the share behind it)."""
from __future__ import annotations

from typing import Any, Dict, Optional

from keqing.dialogue.context import Step
from keqing.dialogue.turn import Turn
from keqing.taxonomy import PERSON_TRAITS, STAGES
from keqing.text.names import find_names
from keqing.text.normalize import normalize


def normalise_stage(value: Any) -> Optional[str]:
    if not isinstance(value, str):
        return None
    value = value.strip().removesuffix("阶段")
    return value if value in STAGES else None


def form_stage(turn: Turn) -> Optional[str]:
    """The form's answer: a share or stage statement. A new description that happens to state a share is
    read by the description's own action (it may be about another person), not taken by the form."""
    stage = (turn.profile.get("stage") or {}).get("value")
    if not stage:
        return None
    current = normalize(str(turn.slot("customer") or ""))
    if any(normalize(m.name) != current for m in find_names(turn.text)):
        return None  # "马总那边我们占三成" while the form asks about 何经理: a description of 马总
    if turn.intent == "provide_share":
        return str(stage)
    describes = any(turn.profile.get(d) for d in PERSON_TRAITS) or find_names(turn.text)
    return str(stage) if turn.intent == "describe_customer" and not describes else None


def validate_stage(step: Step, value: Any) -> Dict[str, Any]:
    """Store the stage (and share) the rep gave for the customer being discussed."""
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
            if (stored.get("stage") if stored else None) != stage or share is not None:
                step.memory.set_stage(step.channel, step.sender, customer, stage, share=share,
                                      reason=step.text[:500])
    return out
