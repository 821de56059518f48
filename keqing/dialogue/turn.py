"""What a dialogue step needs from the conversation, and what it gives back, as plain data.

The Rasa adapters (actions/) build a `Turn` from the tracker and turn an `Outcome` into bot messages and
slot events; everything in between lives in this package and needs no Rasa.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, TypeVar, cast

from keqing.dialogue.replies import Reply
from keqing.taxonomy import DIMENSIONS, VALUES

PROFILE_SLOTS = DIMENSIONS  # each dimension has a slot of the same name
MAX_TEXT = 10_000

Profile = Dict[str, Optional[Dict[str, Any]]]


def clean_profile(raw: Any) -> Dict[str, Dict[str, Any]]:
    """A `customer_profile` with everything outside the taxonomy dropped (it may come from a client)."""
    out: Dict[str, Dict[str, Any]] = {}
    if not isinstance(raw, dict):
        return out
    for dim, found in raw.items():
        if not isinstance(found, dict):
            continue
        value = found.get("value")
        if dim in VALUES and value in VALUES[dim]:
            pass
        elif dim == "share" and isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 100:
            pass
        else:
            continue
        evidence = [str(e) for e in (found.get("evidence") or []) if isinstance(e, (str, int, float))]
        confidence = found.get("confidence")
        if not isinstance(confidence, (int, float)) or isinstance(confidence, bool):
            confidence = None
        out[dim] = {"value": value, "confidence": confidence, "evidence": evidence}
    return out


@dataclass(frozen=True)
class PastMessage:
    """An earlier message of the rep in this conversation."""

    text: str
    intent: Optional[str]
    profile: Dict[str, Dict[str, Any]]


@dataclass
class Turn:
    """The rep's latest message and the state of the conversation around it."""

    channel: str
    sender: str
    text: str = ""
    intent: Optional[str] = None
    entities: List[Dict[str, Any]] = field(default_factory=list)
    profile: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    slots: Dict[str, Any] = field(default_factory=dict)
    last_action: Optional[str] = None  # the last bot action before this message
    asked_slot: Optional[str] = None  # what the form asked for just before this message
    history: Sequence[PastMessage] = ()  # earlier messages, newest first
    people: List[Dict[str, Any]] = field(default_factory=list)  # per-person readings (keqing.nlu.reader)
    compliance: Dict[str, Any] = field(default_factory=dict)  # the compliance verdict of this message

    def entity(self, entity_type: str) -> Optional[str]:
        for ent in self.entities:
            if isinstance(ent, dict) and ent.get("entity") == entity_type:
                value = ent.get("value")
                if isinstance(value, str) and value.strip():
                    return value.strip()
        return None

    def entities_of(self, entity_type: str) -> List[Dict[str, Any]]:
        return [e for e in self.entities if isinstance(e, dict) and e.get("entity") == entity_type]

    def slot(self, name: str) -> Any:
        return self.slots.get(name)

    def slot_values(self) -> Dict[str, Any]:
        """The profile held in the slots (values outside the taxonomy are ignored)."""
        raw = {dim: {"value": self.slots.get(dim)} for dim in PROFILE_SLOTS}
        return {dim: found["value"] for dim, found in clean_profile(raw).items()}


@dataclass
class Outcome:
    """What the step says and which slots it sets (a value of None clears the slot). `kind` names the kind
    of answer (diagnosis, news, refusal …): kept in the tracker, read by the conversation tests and harvest."""

    replies: List[Reply] = field(default_factory=list)
    slots: Dict[str, Any] = field(default_factory=dict)
    kind: Optional[str] = None

    def say(self, messages: Sequence[Reply]) -> Outcome:
        self.replies.extend(messages)
        return self

    def set_slots(self, values: Mapping[str, Any]) -> Outcome:
        self.slots.update(values)
        return self

    def as_kind(self, kind: str) -> Outcome:
        self.kind = kind
        return self


F = TypeVar("F", bound=Callable[..., Outcome])


def answers(kind: str) -> Callable[[F], F]:
    """Decorator: a handler's answers are of this kind unless the handler (or one it calls) says otherwise."""

    def decorate(handler: F) -> F:
        @functools.wraps(handler)
        def wrapper(*args: Any, **kwargs: Any) -> Outcome:
            outcome = handler(*args, **kwargs)
            if outcome.kind is None:
                outcome.kind = kind
            return outcome

        return cast(F, wrapper)

    return decorate


def profile_slots(name: Optional[str], values: Mapping[str, Any], keep: bool = False) -> Dict[str, Any]:
    """Slot values for the customer and its profile; missing values are cleared unless `keep`."""
    out: Dict[str, Any] = {}
    if name is not None:
        out["customer"] = name
    for dim in PROFILE_SLOTS:
        value = values.get(dim)
        if value is None and keep:
            continue
        if dim == "share" and value is not None:
            value = float(value)
        out[dim] = value
    return out
