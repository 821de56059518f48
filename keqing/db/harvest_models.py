"""Learning-loop bookkeeping (revision 0003): how far `python -m keqing harvest` has read each tracker store."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Integer, String

from keqing.db.base import Base


class HarvestWatermark(Base):
    """One row per tracker store (keyed by a hash of its URL without the password)."""

    __tablename__ = "harvest_watermarks"

    tracker_key = Column(String(64), primary_key=True)  # sha256 of the URL, password hidden
    tracker_url = Column(String(500), nullable=False)  # for people; password hidden
    last_event_id = Column(Integer, nullable=False)  # every event with id <= this is fully harvested
    last_event_timestamp = Column(Float, nullable=True)  # that event's timestamp: detects a replaced store
    harvested_at = Column(DateTime, nullable=False)  # naive UTC
