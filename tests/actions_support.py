"""Support for the action tests (no tests here): build rasa_sdk trackers, play conversations."""
from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

# the parts of domain.yml that rasa_sdk's FormValidationAction reads
DOMAIN: Dict[str, Any] = {
    "forms": {"profile_form": {"required_slots": ["stage"]}},
    "slots": {s: {"type": "text", "mappings": [{"type": "custom"}]} for s in ("customer", "stage")},
}
SLOTS = ("customer", "stage", "style", "motive", "grade", "share", "requested_slot", "reply_kind", "needs_share",
         "pending_delete")
_ts = itertools.count(1)


def dim(value: Any, *evidence: str, confidence: float = 0.9) -> Dict[str, Any]:
    return {"value": value, "confidence": confidence, "evidence": list(evidence)}


def profile(**dims: Any) -> Dict[str, Any]:
    """customer_profile as the NLU gives it: profile(style=dim("支配型", "说一不二"), ...)."""
    return {d: dims.get(d) for d in ("style", "motive", "stage", "grade", "share")}


def entities(**found: str) -> List[Dict[str, Any]]:
    return [{"entity": k, "value": v, "start": 0, "end": len(v)} for k, v in found.items()]


def user_event(text: str, intent: Optional[str], ents: Sequence[Dict], prof: Optional[Dict], channel: str,
               extra: Optional[Dict[str, Any]] = None) -> Dict:
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": list(ents),
        "customer_profile": prof if prof is not None else profile(),
        **(extra or {}),  # what else the NLU gives: compliance, people
    }
    return {"event": "user", "timestamp": time.time() + next(_ts) * 1e-3, "text": text,
            "parse_data": parse, "input_channel": channel}


def make_tracker(
    text: str = "",
    intent: Optional[str] = None,
    ents: Sequence[Dict] = (),
    prof: Optional[Dict] = None,
    slots: Optional[Dict[str, Any]] = None,
    sender: str = "rep-1",
    channel: Optional[str] = "rest",
    events: Optional[List[Dict]] = None,
    extra: Optional[Dict[str, Any]] = None,
) -> Tracker:
    ev = list(events or [])
    user = user_event(text, intent, ents, prof, channel, extra)
    ev.append(user)
    state = {
        "sender_id": sender,
        "slots": {**{s: None for s in SLOTS}, **(slots or {})},
        "latest_message": user["parse_data"],
        "events": ev,
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    return Tracker.from_dict(state)


@dataclass
class Turn:
    messages: List[Dict[str, Any]]
    events: List[Dict[str, Any]]

    @property
    def texts(self) -> List[str]:
        return [m.get("text") or "" for m in self.messages]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def buttons(self) -> List[Tuple[str, str]]:
        return [(b["title"], b["payload"]) for m in self.messages for b in (m.get("buttons") or [])]

    @property
    def titles(self) -> List[str]:
        return [t for t, _ in self.buttons]

    def slots(self) -> Dict[str, Any]:
        return {e["name"]: e["value"] for e in self.events if e.get("event") == "slot"}


@dataclass
class Rep:
    """One rep's conversation: keeps slots and events between turns like Rasa would."""

    sender: str = field(default_factory=lambda: "rep-" + uuid.uuid4().hex[:8])
    channel: str = "rest"
    slots: Dict[str, Any] = field(default_factory=dict)
    events: List[Dict[str, Any]] = field(default_factory=list)

    async def say(
        self,
        action: Any,
        text: str = "",
        intent: Optional[str] = None,
        prof: Optional[Dict] = None,
        ents: Iterable[Dict] = (),
        slots: Optional[Dict[str, Any]] = None,
        domain: Optional[Dict[str, Any]] = None,
        extra: Optional[Dict[str, Any]] = None,
    ) -> Turn:
        self.slots.update(slots or {})
        tracker = make_tracker(text, intent, list(ents), prof, dict(self.slots), self.sender, self.channel,
                               list(self.events), extra)
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, tracker, domain or DOMAIN)
        self.events.append(tracker.events[-1])  # the user event
        self.events.append({"event": "action", "name": action.name()})
        for e in events:
            self.events.append(e)
            if e.get("event") == "slot":
                self.slots[e["name"]] = e["value"]
        for m in dispatcher.messages:
            self.events.append({"event": "bot", "text": m.get("text")})
        return Turn(dispatcher.messages, events)
