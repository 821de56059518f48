"""`Inbox`: the channel_inbox / channel_outbox tables (revisions 0005, 0007, 0008). Blocking; call it off the event
loop."""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keqing.db import get_engine
from keqing.db.inbox_models import ANSWERED, DONE, FAILED, OPEN_STATES, PENDING, InboxMessage, OutboxPart, RepLease

logger = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.utcnow()


# How long a sent part's fingerprint outlives its message: WeCom's longest duplicate-check interval (4 hours),
# plus the worker's clock margin
FINGERPRINT_KEEP = timedelta(hours=4, minutes=5)


def content_hash(payload: Dict[str, Any]) -> str:
    """SHA-256 of a reply part as stored (for WeCom: msgtype and content, what its duplicate check compares)."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class InboxItem:
    id: int
    channel: str
    rep: str
    message_key: str
    text: str
    payload: Dict[str, Any]
    status: str
    attempts: int
    busy_notified: bool
    created_at: datetime


@dataclass(frozen=True)
class Part:
    id: int
    position: int
    payload: Dict[str, Any]
    send_attempts: int = 0  # sends begun before (none finished: this part may already have been delivered)
    attempted_at: Optional[datetime] = None  # when the last of them began
    content_hash: Optional[str] = None  # `content_hash(payload)`

    @property
    def ambiguous(self) -> bool:
        """A send of this part began before and was never confirmed: the channel may have delivered it."""
        return self.send_attempts > 0


def _item(row: InboxMessage) -> InboxItem:
    return InboxItem(row.id, row.channel, row.rep, row.message_key, row.text or "", dict(row.payload or {}),
                     row.status, row.attempts or 0, bool(row.busy_notified), row.created_at)


class Inbox:
    def __init__(self, url: Optional[str] = None, engine: Optional[Engine] = None) -> None:
        self.engine = engine or get_engine(url)

    def ping(self) -> None:
        """Raises when the database cannot be reached."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def accept(self, channel: str, rep: str, message_key: str, text_: str, payload: Dict[str, Any],
               created_at: Optional[datetime] = None) -> Optional[int]:
        """Store one delivery; its id, or None when this delivery was stored before (a redelivery)."""
        now = _now()
        row = InboxMessage(channel=channel, rep=rep, message_key=message_key, text=text_, payload=payload,
                           status=PENDING, attempts=0, busy_notified=False, created_at=created_at or now,
                           updated_at=now)
        try:
            with Session(self.engine, future=True) as s, s.begin():
                s.add(row)
                s.flush()
                return int(row.id)
        except IntegrityError:
            return None

    def open_reps(self, channel: str) -> List[str]:
        """Reps with a message not finished yet, oldest first."""
        stmt = (select(InboxMessage.rep, func.min(InboxMessage.id).label("first"))
                .where(InboxMessage.channel == channel, InboxMessage.status.in_(OPEN_STATES))
                .group_by(InboxMessage.rep).order_by("first"))
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(stmt)]

    def next_for(self, channel: str, rep: str) -> Optional[InboxItem]:
        """The rep's oldest unfinished message."""
        stmt = (select(InboxMessage).where(InboxMessage.channel == channel, InboxMessage.rep == rep,
                                           InboxMessage.status.in_(OPEN_STATES))
                .order_by(InboxMessage.id).limit(1))
        with Session(self.engine, future=True) as s:
            row = s.execute(stmt).scalars().first()
            return _item(row) if row else None

    # -- one worker per rep across replicas ----------------------------------------------------------
    def claim(self, channel: str, rep: str, owner: str, seconds: float) -> bool:
        """Take or renew the rep's lease for `seconds`; False while another live owner holds it.

        The conditional UPDATE is atomic (row lock in PostgreSQL, one writer in SQLite): of two replicas
        racing for an expired lease exactly one changes the row; a first claim races on the primary key.
        """
        now = _now()
        until = now + timedelta(seconds=seconds)
        with Session(self.engine, future=True) as s, s.begin():
            changed = s.execute(update(RepLease).where(
                RepLease.channel == channel, RepLease.rep == rep,
                or_(RepLease.owner == owner, RepLease.expires_at < now)).values(owner=owner, expires_at=until))
            if changed.rowcount:
                return True
            if s.get(RepLease, (channel, rep)) is not None:
                return False
        try:
            with Session(self.engine, future=True) as s, s.begin():
                s.add(RepLease(channel=channel, rep=rep, owner=owner, expires_at=until))
            return True
        except IntegrityError:
            return False

    def release(self, channel: str, rep: str, owner: str) -> None:
        with Session(self.engine, future=True) as s, s.begin():
            s.execute(delete(RepLease).where(RepLease.channel == channel, RepLease.rep == rep,
                                             RepLease.owner == owner))

    def mark_started(self, item_id: int) -> bool:
        """Note that a turn begins; True when one began before (a crash or a failure in between)."""
        with Session(self.engine, future=True) as s, s.begin():
            row = s.get(InboxMessage, item_id, with_for_update=True)
            if row is None:
                return False
            before = row.started_at is not None
            row.started_at = _now()
            return before

    def get(self, item_id: int) -> Optional[InboxItem]:
        with Session(self.engine, future=True) as s:
            row = s.get(InboxMessage, item_id)
            return _item(row) if row else None

    def save_parts(self, item_id: int, parts: Sequence[Dict[str, Any]]) -> None:
        """The turn's reply parts, in order; the message becomes `answered` in the same transaction."""
        with Session(self.engine, future=True) as s, s.begin():
            row = s.get(InboxMessage, item_id, with_for_update=True)
            if row is None or row.status != PENDING:
                return  # answered meanwhile (another worker); its parts stand
            for position, payload in enumerate(parts):
                s.add(OutboxPart(inbox_id=item_id, position=position, payload=dict(payload),
                                 content_hash=content_hash(payload)))
            row.status, row.updated_at = ANSWERED, _now()

    def unsent_parts(self, item_id: int) -> List[Part]:
        stmt = (select(OutboxPart).where(OutboxPart.inbox_id == item_id, OutboxPart.sent_at.is_(None))
                .order_by(OutboxPart.position))
        with Session(self.engine, future=True) as s:
            return [Part(p.id, p.position, dict(p.payload or {}), p.send_attempts or 0, p.attempted_at,
                         p.content_hash or content_hash(dict(p.payload or {})))
                    for p in s.execute(stmt).scalars()]

    def sent_recently(self, channel: str, rep: str, content_hash_: str, seconds: float,
                      exclude_part: Optional[int] = None) -> bool:
        """Whether a part with this content reached `rep` on `channel` (its `sent_at` set) within the last
        `seconds`: of any of the rep's messages, finished ones included (their parts keep the fingerprint)."""
        since = _now() - timedelta(seconds=seconds)
        stmt = (select(OutboxPart.id).join(InboxMessage, InboxMessage.id == OutboxPart.inbox_id)
                .where(OutboxPart.content_hash == content_hash_, OutboxPart.sent_at.is_not(None),
                       OutboxPart.sent_at >= since, InboxMessage.channel == channel, InboxMessage.rep == rep)
                .limit(1))
        if exclude_part is not None:
            stmt = stmt.where(OutboxPart.id != exclude_part)
        with self.engine.connect() as conn:
            return conn.execute(stmt).first() is not None

    def mark_sending(self, part_id: int) -> None:
        """Committed before the part goes out: from now until `mark_sent` the part is ambiguous."""
        with Session(self.engine, future=True) as s, s.begin():
            s.execute(update(OutboxPart).where(OutboxPart.id == part_id).values(
                send_attempts=OutboxPart.send_attempts + 1, attempted_at=_now()))

    def mark_sent(self, part_id: int) -> None:
        with Session(self.engine, future=True) as s, s.begin():
            s.execute(update(OutboxPart).where(OutboxPart.id == part_id).values(sent_at=_now()))

    def note_attempt(self, item_id: int, error: str) -> None:
        with Session(self.engine, future=True) as s, s.begin():
            s.execute(update(InboxMessage).where(InboxMessage.id == item_id).values(
                attempts=InboxMessage.attempts + 1, last_error=error[:500], updated_at=_now()))

    def note_busy(self, item_id: int) -> None:
        with Session(self.engine, future=True) as s, s.begin():
            s.execute(update(InboxMessage).where(InboxMessage.id == item_id).values(busy_notified=True))

    def finish(self, item_id: int, status: str = DONE, error: Optional[str] = None) -> None:
        """Done (or failed): the text, the payload and the reply parts are cleared; the key stays, and so do the
        sent parts' fingerprints (`content_hash`, `sent_at`, no payload) for `FINGERPRINT_KEEP`, for
        `sent_recently`. The rep's fingerprints older than that are deleted here."""
        with Session(self.engine, future=True) as s, s.begin():
            s.execute(delete(OutboxPart).where(OutboxPart.inbox_id == item_id, OutboxPart.sent_at.is_(None)))
            s.execute(update(OutboxPart).where(OutboxPart.inbox_id == item_id).values(payload={}))
            row = s.get(InboxMessage, item_id)
            if row is not None:
                finished = select(InboxMessage.id).where(
                    InboxMessage.channel == row.channel, InboxMessage.rep == row.rep,
                    InboxMessage.status.in_((DONE, FAILED)))
                s.execute(delete(OutboxPart).where(OutboxPart.inbox_id.in_(finished),
                                                   OutboxPart.sent_at < _now() - FINGERPRINT_KEEP)
                          .execution_options(synchronize_session=False))
            s.execute(update(InboxMessage).where(InboxMessage.id == item_id).values(
                status=status, text="", payload={}, last_error=(error or None) and error[:500],
                updated_at=_now()))

    def purge(self, finished_before: datetime, open_before: Optional[datetime] = None) -> int:
        """Delete finished messages older than `finished_before` (and any older than `open_before`)."""
        with Session(self.engine, future=True) as s, s.begin():
            s.execute(delete(OutboxPart).where(OutboxPart.inbox_id.in_(select(InboxMessage.id).where(
                InboxMessage.status.in_((DONE, FAILED)), InboxMessage.updated_at < finished_before)))
                .execution_options(synchronize_session=False))
            if open_before is not None:
                s.execute(delete(OutboxPart).where(OutboxPart.inbox_id.in_(select(InboxMessage.id).where(
                    InboxMessage.created_at < open_before))).execution_options(synchronize_session=False))
            done = s.execute(delete(InboxMessage).where(InboxMessage.status.in_((DONE, FAILED)),
                                                        InboxMessage.updated_at < finished_before))
            count = done.rowcount or 0
            if open_before is not None:
                old = s.execute(delete(InboxMessage).where(InboxMessage.created_at < open_before))
                count += old.rowcount or 0
            return count


FINISHED_KEEP = timedelta(days=2)  # long enough to recognise any redelivery of a done message
