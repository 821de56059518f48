"""Reading Rasa SQL tracker store events (its events table, by id after a watermark)."""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import (
    Any,
    Callable,
    Dict,
    List,
    Optional,
    Tuple,
)

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.engine import Engine, make_url

from keqing.taxonomy import VALUE_ENTITIES

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------ tracker


def _events_table() -> Table:
    """Rasa's SQLTrackerStore `events` table (rasa/core/tracker_store.py, SQLEvent)."""
    return Table(
        "events",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("sender_id", String(255)),
        Column("type_name", String(255)),
        Column("timestamp", Float),
        Column("intent_name", String(255)),
        Column("action_name", String(255)),
        Column("data", Text),
    )


EVENTS = _events_table()


def display_url(url: str) -> str:
    """The URL with the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL: show as given
        return url


def tracker_key(url: str) -> str:
    return hashlib.sha256(display_url(url).encode("utf-8")).hexdigest()


def _tracker_exists(url: str) -> bool:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if not db or db == ":memory:" or db.startswith("file:"):
            return True
        return Path(db).exists()
    return True


@dataclass
class EventRow:
    id: int
    sender: str
    type_name: str
    timestamp: float
    data: Dict[str, Any]



ProgressCallback = Callable[[int, int], None]  # (events done, events total)


# the event types the harvest looks at (bot utterances and the rest are not read)
BOUNDARY_EVENTS = frozenset({"session_started", "restart"})
READ_TYPES = ("user", "action", "slot", "rewind", *sorted(BOUNDARY_EVENTS))


def _slim(data: Dict[str, Any]) -> Dict[str, Any]:
    """Only what the harvest uses, so that a big first harvest fits in memory."""
    out = {k: data[k] for k in ("event", "text", "timestamp", "name", "value") if k in data}
    parse = data.get("parse_data")
    if isinstance(parse, dict):
        out["parse_data"] = {
            "text": parse.get("text"),
            "intent": parse.get("intent"),
            "entities": [e for e in (parse.get("entities") or []) if isinstance(e, dict)
                         and (e.get("entity") in ("customer", "share") or e.get("entity") in VALUE_ENTITIES.values())],
            "intent_ranking": (parse.get("intent_ranking") or [])[:5],
            "customer_profile": parse.get("customer_profile"),
            "compliance": parse.get("compliance"),
        }
    return out


def _read_rows(engine: Engine, after_id: int, on_progress: Optional[ProgressCallback]) -> List[EventRow]:
    where = (EVENTS.c.id > after_id) & EVENTS.c.type_name.in_(READ_TYPES)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(EVENTS).where(where)).scalar_one()
        if on_progress:
            on_progress(0, total)
        result = conn.execution_options(stream_results=True).execute(
            select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
            .where(where)
            .order_by(EVENTS.c.id)
        )
        rows: List[EventRow] = []
        while True:
            chunk = result.fetchmany(500)
            if not chunk:
                break
            for r in chunk:
                try:
                    data = _slim(json.loads(r.data)) if r.data else {}
                except (ValueError, TypeError, AttributeError):
                    data = {}
                rows.append(EventRow(int(r.id), str(r.sender_id), str(r.type_name), float(r.timestamp or 0.0), data))
            if on_progress:
                on_progress(len(rows), total)
        return rows


def _event_timestamp(engine: Engine, event_id: int) -> Optional[Tuple[float]]:
    with engine.connect() as conn:
        row = conn.execute(select(EVENTS.c.timestamp).where(EVENTS.c.id == event_id)).first()
    return (float(row[0] or 0.0),) if row else None
