"""Export, erase and purge a rep's data across the tracker store, the customer memory, the inbox and the
harvested files (where each lives: keqing.privacy.stores)."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.engine import Engine

from keqing import settings as config
from keqing.db import get_engine
from keqing.db.inbox_models import InboxMessage
from keqing.db.memory_models import (
    MemAssessment,
    MemCorrection,
    MemCustomer,
    MemNextAction,
    MemNote,
    MemSignal,
    MemStageHistory,
)
from keqing.learn.harvest.conversation import DEFAULT_NLU_DIR, DEFAULT_REVIEW_PATH, HARVESTED_NAME
from keqing.learn.harvest.tracker import EVENTS
from keqing.privacy.stores import (
    customer_records,
    delete_where,
    erase_customers,
    erase_harvested,
    erase_inbox,
    erase_rep_rows,
    erase_spool,
    find_reps,
    harvested,
    has,
    inbox_rows,
    plain,
    spool_lines,
    tracker_engine,
    tracker_events,
)

logger = logging.getLogger(__name__)


def conversation_tag(sender: str) -> str:
    """The tag harvested examples carry for their conversation (keqing.learn.harvest.labelling)."""
    return hashlib.sha256(sender.encode("utf-8")).hexdigest()[:12]


@dataclass
class RepLocation:
    """Where to look: the databases and the harvested files (defaults: the configured ones)."""

    db_url: str = ""
    tracker_url: str = ""
    harvest_files: List[Path] = field(default_factory=list)
    spool: Optional[Path] = None

    @classmethod
    def configured(cls) -> RepLocation:
        conf = config.settings()
        return cls(conf.resolved_db_url(), conf.resolved_tracker_url(),
                   [DEFAULT_NLU_DIR / HARVESTED_NAME, DEFAULT_REVIEW_PATH], conf.resolved_inbox_spool())


# -- the commands --------------------------------------------------------------------------------------
def export_rep(sender: str, channel: Optional[str] = None, where: Optional[RepLocation] = None) -> Dict[str, Any]:
    """Everything kept about the rep with this sender id (on `channel`, or on every channel)."""
    where = where or RepLocation.configured()
    engine = get_engine(where.db_url)
    rep_rows = find_reps(engine, sender, channel)
    return {
        "rep": sender,
        "channel": channel or "*",
        "exported_at": datetime.utcnow().isoformat(timespec="seconds") + "Z",
        "conversation": tracker_events(where.tracker_url, sender),
        "customer_memory": [{"channel": r.channel, "sender_id": r.sender_id, "created_at": plain(r.created_at),
                             **customer_records(engine, r.id)} for r in rep_rows],
        "inbox": inbox_rows(engine, sender, channel),
        "inbox_spool": spool_lines(where.spool, sender, channel),
        "harvested": harvested(where.harvest_files, conversation_tag(sender)),
    }


def erase_rep(sender: str, channel: Optional[str] = None, where: Optional[RepLocation] = None) -> Dict[str, int]:
    """Delete everything kept about the rep; the tracker store's conversation of this sender id goes whole."""
    where = where or RepLocation.configured()
    engine = get_engine(where.db_url)
    counts = erase_rep_rows(engine, [r.id for r in find_reps(engine, sender, channel)])
    tracker = tracker_engine(where.tracker_url)
    counts["tracker_events"] = delete_where(tracker, EVENTS, EVENTS.c.sender_id == sender) if tracker else 0
    counts["inbox"] = erase_inbox(engine, sender, channel)
    counts["inbox_spool"] = erase_spool(where.spool, sender, channel)
    counts["harvested_examples"] = erase_harvested(where.harvest_files, conversation_tag(sender))
    logger.info("privacy: erased rep %s (%s): %s", sender, channel or "every channel", counts)
    return counts


def _last_activity(engine: Engine, customer: MemCustomer) -> datetime:
    from sqlalchemy import func
    from sqlalchemy.orm import Session

    times = [customer.created_at, customer.last_contact_at]
    with Session(engine, future=True) as s:
        for model, column in ((MemAssessment, MemAssessment.created_at), (MemCorrection, MemCorrection.at),
                              (MemNote, MemNote.at), (MemStageHistory, MemStageHistory.at),
                              (MemSignal, MemSignal.at), (MemNextAction, MemNextAction.created_at)):
            times.append(s.execute(select(func.max(column)).where(model.customer_id == customer.id)).scalar())
    return max(t for t in times if t is not None)


def purge(retention_days: Optional[int] = None, now: Optional[datetime] = None,
          where: Optional[RepLocation] = None) -> Dict[str, int]:
    """Delete conversations older than the retention period: tracker events, inbox messages, and customers
    nobody mentioned within it (with everything recorded about them)."""
    from sqlalchemy.orm import Session

    from keqing.channels.inbox.store import FINISHED_KEEP, Inbox

    days = config.settings().retention_days if retention_days is None else retention_days
    if days < 1:
        raise ValueError("retention must be at least one day")
    where = where or RepLocation.configured()
    now = now or datetime.utcnow()
    cutoff = now - timedelta(days=days)
    counts: Dict[str, int] = {}
    tracker = tracker_engine(where.tracker_url)
    counts["tracker_events"] = delete_where(tracker, EVENTS, EVENTS.c.timestamp < (cutoff - datetime(1970, 1, 1))
                                             .total_seconds()) if tracker else 0
    engine = get_engine(where.db_url)
    counts["inbox"] = Inbox(engine=engine).purge(now - FINISHED_KEEP, cutoff) if has(
        engine, InboxMessage.__tablename__) else 0
    stale: List[int] = []
    if has(engine, MemCustomer.__tablename__):
        with Session(engine, future=True) as s:
            candidates = list(s.execute(select(MemCustomer).where(MemCustomer.created_at < cutoff)).scalars())
        stale = [c.id for c in candidates if _last_activity(engine, c) < cutoff]
    counts["customers"] = erase_customers(engine, stale)
    logger.info("privacy: purge older than %d days (%s): %s", days, cutoff.date(), counts)
    return counts
