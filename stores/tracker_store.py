"""Rasa's SQL tracker store on KEQING_TRACKER_URL, with the embedded SQLite default.

endpoints.yml names this class instead of `type: SQL` with `url: ${KEQING_TRACKER_URL}`: Rasa refuses to
start on an unset ${VAR}, so a plain `rasa shell` in a fresh clone would fail. The URL comes from
`keqing.settings` (default `sqlite:///var/tracker.db`); a `url:` in endpoints.yml still wins.
"""
from __future__ import annotations

from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

from keqing import settings


class KeqingTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Optional[Domain] = None, host: Optional[str] = None,
                 event_broker: Optional[EventBroker] = None, **kwargs: Any) -> None:
        super().__init__(domain=domain, host=host or settings.tracker_url(), event_broker=event_broker, **kwargs)
