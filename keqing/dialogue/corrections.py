"""The rep corrects the reading of a customer ("不对,他其实挺随和的", a style button)."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Set, Tuple

from keqing.dialogue import replies
from keqing.dialogue.context import Step, Subject
from keqing.dialogue.turn import Outcome, answers, profile_slots
from keqing.nlu.scoring import negated
from keqing.taxonomy import ANIMALS, CATEGORICAL, ENTITY_VALUES
from keqing.text.normalize import normalize

CORRECTABLE = CATEGORICAL

# A named style in a correction ("应该是猫头鹰", "是分析型"): animal names and the type names.
_STYLE_NAMES = {**{animal: style for style, animal in ANIMALS.items()}, **{style: style for style in ANIMALS}}
_STYLE_NAME_RE = re.compile("|".join(sorted(_STYLE_NAMES, key=len, reverse=True)))


def named_style(text: str) -> Tuple[Optional[str], Set[str]]:
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


def corrected_values(step: Step) -> Dict[str, Any]:
    """The new values the rep gives: button entities, a named style, then the NLU profile."""
    new: Dict[str, Any] = {}
    for ent in step.turn.entities:
        mapped = ENTITY_VALUES.get(ent.get("entity", "")) if isinstance(ent, dict) else None
        if mapped and mapped[0] in CORRECTABLE:
            new.setdefault(mapped[0], mapped[1])
    chosen, rejected = named_style(step.text[:2000])
    if chosen and "style" not in new:
        new["style"] = chosen
    for dim, found in step.turn.profile.items():
        if dim in CORRECTABLE and dim not in new:
            if dim == "style" and found["value"] in rejected:
                continue
            new[dim] = found["value"]
    return new


def original_message(step: Step, subject: Subject, dimension: str) -> str:
    """The description that led to the value being corrected (the last assessment's message)."""
    if subject.profile is not None and subject.customer is not None:
        current = subject.profile.values.get(dimension)
        if current is not None and current.source == "assessment" and current.message:
            return current.message
        for corr in reversed(step.memory.corrections(step.channel, step.sender, subject.customer)):
            if corr.dimension == dimension and corr.original_message:
                return corr.original_message
    for past in step.turn.history:
        if (past.intent == "describe_customer" or past.profile) and past.text != step.text:
            return past.text
    return ""


def _advice(step: Step, new: Dict[str, Any]) -> List[str]:
    kb = step.kb
    if "style" in new:
        item = kb.explain(new["style"])
        return list((item.details.get("communicate") if item else None) or (item.tactics if item else ()))
    for dim in ("motive", "grade", "stage"):
        if dim in new:
            item = kb.explain(new[dim])
            return list(item.tactics) if item else []
    return []


@answers("correction")
def correct_profile(step: Step) -> Outcome:
    subject = step.subject()
    new = corrected_values(step)
    if not new:
        step.out.say(replies.ask_which_style())
        return step.sync(subject)
    changes = []
    share = (step.turn.profile.get("share") or {}).get("value")
    for dim in CORRECTABLE:
        if dim not in new:
            continue
        old = subject.values.get(dim)
        changes.append((dim, old, new[dim]))
        if subject.customer is not None and str(old) != str(new[dim]):
            step.memory.record_correction(
                step.channel, step.sender, subject.customer, dim, new[dim],
                original_message=original_message(step, subject, dim), correction_message=step.text, old_value=old,
            )
    if subject.customer is not None and "stage" in new and share is not None:
        step.memory.record_correction(
            step.channel, step.sender, subject.customer, "share", share,
            original_message=original_message(step, subject, "share"), correction_message=step.text,
        )
    step.out.say(replies.correction_done(changes, _advice(step, new), subject.name))
    values = dict(subject.values, **new)
    if "stage" in new:
        values["share"] = share
    slots: Dict[str, Any] = {dim: values.get(dim) for dim in new}
    if "stage" in new:
        slots["share"] = None if share is None else float(share)
    if subject.switched and subject.name:
        slots = profile_slots(subject.name, values)
    return step.out.set_slots(slots)
