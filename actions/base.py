"""What every action shares: services, the error guard, the rep's identity and the current customer.

- `services()` gives the process-wide KnowledgeBase and CustomerMemory for KEQING_DB_URL (one engine
  per URL, created on first use).
- `guarded` wraps an action's `run`: keqing's DB errors → a polite "database unavailable" reply,
  anything else → a polite generic reply; both logged with the sender. Nothing escapes.
- `KeqingAction` runs `act(ctx)` in a worker thread (the DB calls are blocking) and sends the
  replies it collected only when it succeeded, so the rep never sees half an answer.
"""
from __future__ import annotations

import abc
import asyncio
import functools
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import DBAPIError

from keqing import config, replies
from keqing.db.errors import KeqingDBError
from keqing.kb.query import KnowledgeBase
from keqing.memory import Customer, CustomerMemory, Profile
from keqing.taxonomy import VALUES

logger = logging.getLogger(__name__)

DEFAULT_CHANNEL = "rest"
PROFILE_SLOTS = ("style", "motive", "grade", "stage", "share")
MAX_TEXT = 10_000

_services: Dict[str, Tuple[KnowledgeBase, CustomerMemory]] = {}
_services_lock = threading.Lock()


def services() -> Tuple[KnowledgeBase, CustomerMemory]:
    """KnowledgeBase and CustomerMemory for the configured database (created once per URL)."""
    url = config.db_url()
    with _services_lock:
        found = _services.get(url)
        if found is None:
            found = _services[url] = (KnowledgeBase(url), CustomerMemory(url))
        return found


# -- sending ----------------------------------------------------------------------------
def send(dispatcher: CollectingDispatcher, messages: List[replies.Reply]) -> None:
    for reply in messages:
        buttons = [{"title": title, "payload": payload} for title, payload in reply.buttons]
        if buttons:
            dispatcher.utter_message(text=reply.text, buttons=buttons)
        else:
            dispatcher.utter_message(text=reply.text)


def guarded(run: Callable) -> Callable:
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


# -- the conversation ---------------------------------------------------------------------
def latest_text(tracker: Tracker) -> str:
    text = (tracker.latest_message or {}).get("text") or ""
    return text if isinstance(text, str) else str(text)


def latest_intent(tracker: Tracker) -> Optional[str]:
    intent = (tracker.latest_message or {}).get("intent") or {}
    return intent.get("name") if isinstance(intent, dict) else None


def latest_entity(tracker: Tracker, entity_type: str) -> Optional[str]:
    for ent in (tracker.latest_message or {}).get("entities") or []:
        if isinstance(ent, dict) and ent.get("entity") == entity_type:
            value = ent.get("value")
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def latest_profile(tracker: Tracker) -> Dict[str, Optional[Dict[str, Any]]]:
    """The NLU `customer_profile` of the latest message, with invalid values dropped."""
    return clean_profile((tracker.latest_message or {}).get("customer_profile"))


def clean_profile(raw: Any) -> Dict[str, Optional[Dict[str, Any]]]:
    out: Dict[str, Optional[Dict[str, Any]]] = {}
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


def rep_of(tracker: Tracker) -> Tuple[str, str]:
    """(channel, sender): the rep. The same sender id on another channel is another rep."""
    return tracker.get_latest_input_channel() or DEFAULT_CHANNEL, str(tracker.sender_id)


def last_bot_action(tracker: Tracker) -> Optional[str]:
    """The last action that ran before the latest user message (action_listen etc. skipped)."""
    seen_user = False
    for event in reversed(tracker.events or []):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and kind == "action":
            name = event.get("name")
            if name and name not in ("action_listen", "action_unlikely_intent", "action_extract_slots"):
                return name
    return None


def slot_events(name: Optional[str], values: Dict[str, Any], keep: bool = False) -> List[EventType]:
    """SlotSets for the customer and its profile; missing values are cleared unless `keep`."""
    events: List[EventType] = []
    if name is not None:
        events.append(SlotSet("customer", name))
    for dim in PROFILE_SLOTS:
        value = values.get(dim)
        if value is None and keep:
            continue
        if dim == "share" and value is not None:
            value = float(value)
        events.append(SlotSet(dim, value))
    return events


@dataclass
class Subject:
    """The customer an action is about."""

    name: Optional[str]  # as shown to the rep
    customer: Optional[Customer]  # the memory record, None when the rep never named them
    values: Dict[str, Any] = field(default_factory=dict)  # style/motive/grade/stage/share
    profile: Optional[Profile] = None
    switched: bool = False  # another customer than the `customer` slot


@dataclass
class Ctx:
    tracker: Tracker
    domain: Dict
    kb: KnowledgeBase
    memory: CustomerMemory
    channel: str
    sender: str
    out: List[replies.Reply] = field(default_factory=list)

    @property
    def text(self) -> str:
        return latest_text(self.tracker)[:MAX_TEXT]

    @property
    def intent(self) -> Optional[str]:
        return latest_intent(self.tracker)

    def entity(self, entity_type: str) -> Optional[str]:
        return latest_entity(self.tracker, entity_type)

    @property
    def profile(self) -> Dict[str, Optional[Dict[str, Any]]]:
        return latest_profile(self.tracker)

    def slot(self, name: str) -> Any:
        return self.tracker.get_slot(name)

    def say(self, messages: List[replies.Reply]) -> None:
        self.out.extend(messages)

    # -- customers -------------------------------------------------------------------
    def mem(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call a CustomerMemory method for this rep: ctx.mem("profile", customer)."""
        return getattr(self.memory, method)(self.channel, self.sender, *args, **kwargs)

    def slot_values(self) -> Dict[str, Any]:
        """The profile held in the slots (values outside the taxonomy are ignored)."""
        raw = {dim: {"value": self.slot(dim)} for dim in PROFILE_SLOTS}
        return {dim: found["value"] for dim, found in clean_profile(raw).items()}

    def subject(self) -> Subject:
        """The customer this message is about: a named customer (entity, or a known name in the text),
        else the `customer` slot. A name the memory does not know yet gives an empty subject."""
        current = self.slot("customer")
        named = self.entity("customer")
        customer = self.mem("get_customer", named) if named else None
        if customer is None and self.text:
            customer = self.mem("find_customer", self.text)
        if customer is None and not named and current:
            customer = self.mem("get_customer", str(current))
            if customer is None:  # a name the rep gave that has no record yet: what the slots say
                return Subject(str(current), None, self.slot_values())
        if customer is not None:
            return self.subject_of(customer, switched=customer.display_name != current)
        if named:
            return Subject(named, None, {}, switched=named != current)
        return Subject(None, None, self.slot_values())

    def subject_of(self, customer: Customer, switched: bool = False) -> Subject:
        profile = self.mem("profile", customer)
        values = {dim: profile.get(dim) for dim in PROFILE_SLOTS} if profile else {}
        values = {k: v for k, v in values.items() if v is not None}
        return Subject(customer.display_name, customer, values, profile, switched)

    def sync(self, subject: Subject) -> List[EventType]:
        """Slot events that make the slots show `subject`."""
        if subject.customer is None and not subject.switched:
            return []
        return slot_events(subject.name, subject.values)


class KeqingAction(Action, abc.ABC):
    """Base of the keqing actions: implement `act(ctx)`, return slot events, call ctx.say(...)."""

    @abc.abstractmethod
    def name(self) -> str: ...

    @abc.abstractmethod
    def act(self, ctx: Ctx) -> List[EventType]: ...

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[EventType]:
        kb, memory = services()
        channel, sender = rep_of(tracker)
        ctx = Ctx(tracker, domain, kb, memory, channel, sender)
        events = await asyncio.to_thread(self.act, ctx)
        send(dispatcher, ctx.out)
        return events or []
