"""Rasa's SQL tracker store on KEQING_TRACKER_URL, loading only the recent part of a conversation.

endpoints.yml names this class instead of `type: SQL` with `url: ${KEQING_TRACKER_URL}`: Rasa refuses to
start on an unset ${VAR}, so a plain `rasa shell` in a fresh clone would fail. The URL comes from
`keqing.settings` (default `sqlite:///var/tracker.db`); a `url:` in endpoints.yml still wins.

Why not the plain SQL store: it reads every event of the session for every message, and the policies,
the actions (which receive the whole tracker) and the featurizer then walk all of them, so a turn gets
slower the longer a rep talks (76 ms at turn 10, 263 ms at turn 150). The policies look at 4 turns and
the actions at the last 12 rep messages, so this store loads only the last `WINDOW_TURNS` user turns, on
top of a *checkpoint*: the state (slots, active form) the conversation had just before them, kept in the
table `keqing_tracker_checkpoints` and moved forward every `SLACK_TURNS` turns. Events are stored
exactly as by Rasa (table `events`, one row per event); `retrieve_full_tracker` (the HTTP API, the
harvest) still returns everything.

Database errors (a PostgreSQL restart) are retried for ~15 s before Rasa sees them: Rasa's fail-safe
wrapper would otherwise answer the message on an empty conversation and keep its events in memory only.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from keqing import settings

logger = logging.getLogger(__name__)

WINDOW_TURNS = 16  # user turns loaded for a message (actions look at 12 earlier messages, policies at 4)
SLACK_TURNS = 4  # the checkpoint moves forward once the window holds this many turns more
RETRY_DELAYS = (0.2, 0.5, 1, 2, 4, 8)
T = TypeVar("T")

_metadata = sa.MetaData()
CHECKPOINTS = sa.Table(
    "keqing_tracker_checkpoints", _metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("event_id", sa.Integer, nullable=False),  # the state is the one after this row of `events`
    sa.Column("events", sa.Text, nullable=False),  # JSON events that rebuild that state
)
_WINDOW = "_keqing_window"  # on a tracker this store loaded: (events held, their row ids, checkpoint events)


class KeqingTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Optional[Domain] = None, host: Optional[str] = None,
                 event_broker: Optional[EventBroker] = None, **kwargs: Any) -> None:
        super().__init__(domain=domain, host=host or settings.tracker_url(), event_broker=event_broker, **kwargs)
        _metadata.create_all(self.engine, checkfirst=True)

    # -- reading ---------------------------------------------------------------------------------
    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        return await self._retrying(lambda: self._retrieve_window(sender_id))

    async def retrieve_full_tracker(self, conversation_id: str) -> Optional[DialogueStateTracker]:
        return await self._retrying_async(lambda: super(KeqingTrackerStore, self).retrieve_full_tracker(conversation_id))

    def _retrieve_window(self, sender_id: str) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            prefix: List[Dict[str, Any]] = []
            checkpoint = session.execute(
                sa.select(CHECKPOINTS.c.event_id, CHECKPOINTS.c.events).where(CHECKPOINTS.c.sender_id == sender_id)
            ).first()
            if checkpoint is not None:
                session_start = session.query(sa.func.max(self.SQLEvent.id)).filter(
                    self.SQLEvent.sender_id == sender_id, self.SQLEvent.type_name == SessionStarted.type_name
                ).scalar()
                if session_start is None or checkpoint.event_id >= session_start:  # same session
                    query = query.filter(self.SQLEvent.id > checkpoint.event_id)
                    prefix = json.loads(checkpoint.events)
            rows = query.all()
        if not rows or self.domain is None:
            return None
        events = prefix + [json.loads(row.data) for row in rows]
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, _WINDOW, (len(events), [row.id for row in rows], len(prefix)))
        return tracker

    # -- writing ---------------------------------------------------------------------------------
    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        await self._retrying(lambda: self._save_window(tracker))

    def _save_window(self, tracker: DialogueStateTracker) -> None:
        window: Optional[Tuple[int, List[int], int]] = getattr(tracker, _WINDOW, None)
        events = list(tracker.events)
        with self.session_scope() as session:
            if window is None:  # a tracker this store did not load (new, or built by Rasa): Rasa's rule
                held, ids, n_prefix = self._event_query(session, tracker.sender_id, False).count(), None, 0
            else:
                held, ids, n_prefix = window
            rows = [self._row(tracker.sender_id, event) for event in events[held:]]
            session.add_all(rows)
            session.flush()
            if ids is not None:
                ids = ids + [row.id for row in rows]
                self._move_checkpoint(session, tracker.sender_id, events, n_prefix, ids)
            session.commit()
        if ids is not None:
            setattr(tracker, _WINDOW, (len(events), ids, n_prefix))  # a second save writes only what is newer

    def _row(self, sender_id: str, event: Event) -> Any:
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id, type_name=event.type_name, timestamp=data.get("timestamp"),
            intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
            action_name=data.get("name"), data=json.dumps(data),
        )

    def _move_checkpoint(self, session: Any, sender_id: str, events: List[Event], n_prefix: int,
                         ids: List[int]) -> None:
        stored = events[n_prefix:]
        users = [i for i, event in enumerate(stored) if isinstance(event, UserUttered)]
        if len(users) <= WINDOW_TURNS + SLACK_TURNS or self.domain is None:
            return
        cut = users[-WINDOW_TURNS]  # the window starts at this user message
        before = DialogueStateTracker.from_events(sender_id, events[: n_prefix + cut], self.domain.slots)
        state = [e.as_dict() for e in state_events(before, stored[cut].timestamp)]
        values = {"event_id": ids[cut - 1], "events": json.dumps(state)}
        updated = session.execute(sa.update(CHECKPOINTS).where(CHECKPOINTS.c.sender_id == sender_id).values(**values))
        if not updated.rowcount:
            session.execute(sa.insert(CHECKPOINTS).values(sender_id=sender_id, **values))

    # -- database restarts -----------------------------------------------------------------------
    async def _retrying(self, work: Callable[[], T]) -> T:
        async def run() -> T:
            return work()

        return await self._retrying_async(run)

    async def _retrying_async(self, work: Callable[[], Any]) -> Any:
        for delay in (*RETRY_DELAYS, None):
            try:
                return await work()
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as e:
                if delay is None:
                    raise
                logger.warning("tracker store: database unavailable (%s); retrying in %ss", type(e).__name__, delay)
                await asyncio.sleep(delay)
            except sa.exc.DBAPIError as e:
                if not e.connection_invalidated or delay is None:
                    raise
                await asyncio.sleep(delay)


def state_events(tracker: DialogueStateTracker, timestamp: float) -> List[Event]:
    """Events that rebuild `tracker`'s state on an empty tracker: a session start, the slots that differ
    from their initial values, the active form."""
    events: List[Event] = [ActionExecuted(ACTION_SESSION_START_NAME, timestamp=timestamp),
                           SessionStarted(timestamp=timestamp)]
    for slot in tracker.slots.values():
        if slot.value != slot.initial_value:
            events.append(SlotSet(slot.name, slot.value, timestamp=timestamp))
    if tracker.active_loop_name:
        events.append(ActiveLoop(tracker.active_loop_name, timestamp=timestamp))
    return events
