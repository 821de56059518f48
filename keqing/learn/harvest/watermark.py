"""Where the last harvest stopped, per tracker store, in the KEQING_DB_URL database."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import (
    Optional,
    Tuple,
)

from sqlalchemy import (
    select,
)

from keqing import settings as config
from keqing.learn.harvest.tracker import display_url, tracker_key
from keqing.learn.harvest.writing import HarvestError

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------ watermark


class WatermarkStore:
    """`harvest_watermarks` in the KEQING_DB_URL database (migrated to head on first use)."""

    def __init__(self, db_url: Optional[str] = None):
        from keqing.db import get_engine, migrate
        from keqing.db.errors import KeqingDBError
        from keqing.db.harvest_models import HarvestWatermark

        self.url = db_url or config.db_url()
        try:
            migrate(self.url)
        except KeqingDBError as exc:
            raise HarvestError(f"watermark database {display_url(self.url)}: {exc}") from exc
        self.engine = get_engine(self.url)
        self.table = HarvestWatermark.__table__

    def get(self, tracker_url: str) -> Tuple[int, Optional[float]]:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(self.table.c.last_event_id, self.table.c.last_event_timestamp).where(
                    self.table.c.tracker_key == tracker_key(tracker_url)
                )
            ).first()
        return (int(row[0]), row[1]) if row else (0, None)

    def set(self, tracker_url: str, event_id: int, timestamp: Optional[float]) -> None:
        key = tracker_key(tracker_url)
        values = {
            "tracker_url": display_url(tracker_url)[:500],
            "last_event_id": int(event_id),
            "last_event_timestamp": timestamp,
            "harvested_at": datetime.utcnow(),
        }
        with self.engine.begin() as conn:
            done = conn.execute(self.table.update().where(self.table.c.tracker_key == key).values(**values))
            if not done.rowcount:
                conn.execute(self.table.insert().values(tracker_key=key, **values))

    def reset(self, tracker_url: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.table.delete().where(self.table.c.tracker_key == tracker_key(tracker_url)))
