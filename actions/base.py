"""What every action shares: tracker → `Turn`, one core call, `Outcome` → messages and slot events.

- `services()` gives the process-wide KnowledgeBase and CustomerMemory for KEQING_DB_URL (one engine
  per URL, created on first use).
- `guarded` wraps an action's `run`: keqing's DB errors → a polite "database unavailable" reply,
  anything else → a polite generic reply; both logged with the sender. Nothing escapes.
- `KeqingAction` runs its core handler in a worker thread (the DB calls are blocking) and sends the
  replies only when it succeeded, so the rep never sees half an answer.
"""
from __future__ import annotations

import abc
import asyncio
import functools
import logging
import threading
from typing import Any, Callable, Coroutine, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import DBAPIError

from keqing import settings
from keqing.customers import CustomerMemory
from keqing.db.errors import KeqingDBError
from keqing.dialogue import replies, routing
from keqing.dialogue.context import Services, Step
from keqing.dialogue.turn import MAX_TEXT, Outcome, PastMessage, Turn, clean_profile
from keqing.kb.query import KnowledgeBase

logger = logging.getLogger(__name__)

DEFAULT_CHANNEL = "rest"
HISTORY = 12  # earlier rep messages a step may look at
_SKIPPED_ACTIONS = ("action_listen", "action_unlikely_intent", "action_extract_slots")

_services: Dict[str, Services] = {}
_services_lock = threading.Lock()

Handler = Callable[[Step], Outcome]
Run = Callable[..., Coroutine[Any, Any, List[EventType]]]


def services() -> Services:
    """KnowledgeBase and CustomerMemory for the configured database (created once per URL)."""
    url = settings.db_url()
    with _services_lock:
        found = _services.get(url)
        if found is None:
            found = _services[url] = Services(KnowledgeBase(url), CustomerMemory(url))
        return found


def send(dispatcher: CollectingDispatcher, messages: List[replies.Reply]) -> None:
    for reply in messages:
        buttons = [{"title": title, "payload": payload} for title, payload in reply.buttons]
        if reply.image:
            dispatcher.utter_message(text=reply.text or None, image=reply.image)
        elif buttons:
            dispatcher.utter_message(text=reply.text, buttons=buttons)
        else:
            dispatcher.utter_message(text=reply.text)


def guarded(run: Run) -> Run:
    """Decorator for `Action.run`: never raises, answers politely on failure."""

    @functools.wraps(run)
    async def wrapper(self: Action, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[EventType]:
        sender = getattr(tracker, "sender_id", None)
        try:
            return await run(self, dispatcher, tracker, domain)
        except (KeqingDBError, DBAPIError) as exc:
            logger.warning("%s: database unavailable for sender %s: %s", self.name(), sender, exc)
            send(dispatcher, replies.db_unavailable())
        except Exception as exc:  # noqa: BLE001 - the rep must always get an answer
            logger.exception("%s failed for sender %s: %s", self.name(), sender, exc)
            send(dispatcher, replies.internal_error())
        return []

    return wrapper


# -- tracker → Turn -------------------------------------------------------------------------------
def rep_of(tracker: Tracker) -> Tuple[str, str]:
    """(channel, sender): the rep. The same sender id on another channel is another rep."""
    return tracker.get_latest_input_channel() or DEFAULT_CHANNEL, str(tracker.sender_id)


def _intent_name(parse_data: Any) -> Optional[str]:
    intent = (parse_data or {}).get("intent") or {}
    name = intent.get("name") if isinstance(intent, dict) else None
    return name if isinstance(name, str) else None


def _last_bot_action(events: List[Dict[str, Any]]) -> Optional[str]:
    """The last action that ran before the latest user message (action_listen etc. skipped)."""
    seen_user = False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and kind == "action":
            name = event.get("name")
            if name and name not in _SKIPPED_ACTIONS:
                return str(name)
    return None


def _asked_slot(events: List[Dict[str, Any]]) -> Optional[str]:
    """The form's requested_slot just before the latest user message."""
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=None)
    if last_user is None:
        return None
    for event in reversed(events[:last_user]):
        if event.get("event") == "slot" and event.get("name") == "requested_slot":
            value = event.get("value")
            return str(value) if value is not None else None
    return None


def _history(events: List[Dict[str, Any]]) -> List[PastMessage]:
    users = [e for e in events if e.get("event") == "user"]
    out = []
    for event in reversed(users[:-1][-HISTORY:]):
        parse = event.get("parse_data") or {}
        out.append(PastMessage(str(event.get("text") or "")[:MAX_TEXT], _intent_name(parse),
                               clean_profile(parse.get("customer_profile"))))
    return out


def turn_from_tracker(tracker: Tracker) -> Turn:
    latest = tracker.latest_message or {}
    text = latest.get("text") or ""
    channel, sender = rep_of(tracker)
    events = list(tracker.events or [])
    return Turn(
        channel=channel,
        sender=sender,
        text=(text if isinstance(text, str) else str(text))[:MAX_TEXT],
        intent=_intent_name(latest),
        entities=[e for e in latest.get("entities") or [] if isinstance(e, dict)],
        profile=clean_profile(latest.get("customer_profile")),
        slots=dict(tracker.slots or {}),
        last_action=_last_bot_action(events),
        asked_slot=_asked_slot(events),
        history=_history(events),
        people=[p for p in latest.get("people") or [] if isinstance(p, dict)],
        compliance=latest.get("compliance") if isinstance(latest.get("compliance"), dict) else {},
    )


def slot_events(outcome: Outcome) -> List[EventType]:
    events: List[EventType] = [SlotSet(name, value) for name, value in outcome.slots.items()]
    if outcome.kind:
        events.append(SlotSet("reply_kind", outcome.kind))
    return events


class KeqingAction(Action, abc.ABC):
    """An action that is one core handler: subclasses define `name()` and set `handler`."""

    handler: Optional[Handler] = None

    @abc.abstractmethod
    def name(self) -> str: ...

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[EventType]:
        handler = type(self).handler
        assert handler is not None, f"{type(self).__name__} has no handler"
        step = Step(turn_from_tracker(tracker), services())
        outcome = await asyncio.to_thread(run_turn, handler, step)
        send(dispatcher, outcome.replies)
        return slot_events(outcome)


def run_turn(handler: Handler, step: Step) -> Outcome:
    """The core answers the turn (keqing.dialogue.routing): explicit wording first, then the handler."""
    return routing.answer_turn(handler, step)
