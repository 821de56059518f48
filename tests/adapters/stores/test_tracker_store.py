"""KeqingTrackerStore on SQLite and PostgreSQL: a long conversation loads only its recent turns on top of a
checkpoint, with the same slots as the whole conversation, and every event is stored once."""
from __future__ import annotations

import asyncio
import time

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from stores import tracker_store as ts
from stores.tracker_store import KeqingTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [describe_customer]
slots:
  customer: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  stage: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  requested_slot: {type: text, influence_conversation: false, mappings: [{type: custom}]}
forms:
  profile_form: {required_slots: [customer]}
responses:
  utter_ok: [{text: ok}]
""")


def turn(tracker: DialogueStateTracker, i: int) -> None:
    tracker.update(UserUttered(f"第{i}句", {"name": "describe_customer", "confidence": 1.0}, message_id=f"m{i}"))
    tracker.update(ActionExecuted("utter_ok"))
    tracker.update(BotUttered(f"答{i}"))
    if i == 3:
        tracker.update(SlotSet("customer", "王总"))  # set early, must survive the window
    if i == 5:
        tracker.update(ActiveLoop("profile_form"))
    tracker.update(SlotSet("stage", f"阶段{i}"))
    tracker.update(ActionExecuted("action_listen"))


def converse(store: KeqingTrackerStore, sender: str, turns: int) -> DialogueStateTracker:
    async def run() -> DialogueStateTracker:
        tracker = DialogueStateTracker.from_events(sender, [ActionExecuted("action_session_start"),
                                                            SessionStarted(), ActionExecuted("action_listen")],
                                                   DOMAIN.slots)
        await store.save(tracker)
        for i in range(turns):
            tracker = await store.retrieve(sender)
            assert tracker is not None
            turn(tracker, i)
            await store.save(tracker)
            await store.save(tracker)  # a second save of the same tracker writes nothing twice
        return tracker

    return asyncio.run(run())


def test_long_conversation_loads_a_window_with_the_whole_state(db_url) -> None:
    store = KeqingTrackerStore(domain=DOMAIN, host=db_url)
    converse(store, "rep-long", 60)
    recent = asyncio.run(store.retrieve("rep-long"))
    full = asyncio.run(store.retrieve_full_tracker("rep-long"))
    assert recent is not None and full is not None
    users_recent = [e.text for e in recent.events if isinstance(e, UserUttered)]
    users_full = [e.text for e in full.events if isinstance(e, UserUttered)]
    assert users_full == [f"第{i}句" for i in range(60)]  # every message once, in order
    assert ts.WINDOW_TURNS <= len(users_recent) <= ts.WINDOW_TURNS + ts.SLACK_TURNS
    assert users_recent == users_full[-len(users_recent):]
    assert recent.current_slot_values() == full.current_slot_values()
    assert recent.get_slot("customer") == "王总"
    assert recent.active_loop_name == full.active_loop_name == "profile_form"
    assert len(recent.events) < len(full.events) / 2


def test_short_conversation_is_loaded_whole(db_url) -> None:
    store = KeqingTrackerStore(domain=DOMAIN, host=db_url)
    converse(store, "rep-short", 5)
    recent = asyncio.run(store.retrieve("rep-short"))
    rasas = asyncio.run(SQLTrackerStore.retrieve(store, "rep-short"))  # what Rasa's own store loads
    assert recent is not None and rasas is not None
    assert [e.as_dict() for e in recent.events] == [e.as_dict() for e in rasas.events]


def test_a_new_session_ignores_the_old_checkpoint(db_url) -> None:
    store = KeqingTrackerStore(domain=DOMAIN, host=db_url)
    converse(store, "rep-s", 30)

    async def new_session() -> DialogueStateTracker:
        tracker = await store.retrieve("rep-s")
        assert tracker is not None
        time.sleep(0.01)
        for event in (ActionExecuted("action_session_start"), SessionStarted(), SlotSet("customer", "李总"),
                      ActionExecuted("action_listen")):
            tracker.update(event)
        await store.save(tracker)
        loaded = await store.retrieve("rep-s")
        assert loaded is not None
        return loaded

    loaded = asyncio.run(new_session())
    assert loaded.get_slot("customer") == "李总"
    assert not [e for e in loaded.events if isinstance(e, UserUttered)]  # only the new session
