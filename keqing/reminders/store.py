"""Reminders in the database: set by a rep, delivered once at their time through the rep's channel.

Delivery is claimed with one conditional UPDATE (only an unclaimed, undelivered reminder, or one whose
claim has expired, can be claimed), so two replicas or two workers never deliver the same reminder twice;
a crashed worker's claim expires after `LEASE` and another one delivers it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional, Tuple

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keqing.customers.records import CustomerRef, _guard, _now
from keqing.customers.store import MemoryBase
from keqing.db.memory_models import (
    MemAssessment,
    MemCustomer,
    MemDigest,
    MemNote,
    MemReminder,
    MemRep,
    MemSignal,
)

LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Reminder:
    id: int
    text: str
    due_at: datetime
    customer: Optional[str]
    channel: str
    sender: str
    delivered_at: Optional[datetime] = None


@dataclass(frozen=True)
class Activity:
    customer: str
    last: Optional[datetime]  # the rep's last word about them (description, note, news, contact)
    grade: Optional[str] = None


class RemindersMixin(MemoryBase):
    @_guard
    def add_reminder(self, channel: str, sender: str, text: str, due_at: datetime,
                     customer: Optional[CustomerRef] = None) -> Reminder:
        with Session(self.engine, future=True) as s, s.begin():
            rep = self._rep(s, channel, sender, create=True)
            assert rep is not None
            row = self._resolve(s, channel, sender, customer, create=False) if customer is not None else None
            rem = MemReminder(rep_id=rep.id, customer_id=row.id if row else None, text=text[:500], due_at=due_at,
                              created_at=_now())
            s.add(rem)
            s.flush()
            return Reminder(rem.id, rem.text, rem.due_at, row.display_name if row else None, channel, sender)

    def _reminder(self, s: Session, rem: MemReminder) -> Reminder:
        rep = s.get(MemRep, rem.rep_id)
        customer = s.get(MemCustomer, rem.customer_id) if rem.customer_id else None
        return Reminder(rem.id, rem.text, rem.due_at, customer.display_name if customer else None,
                        rep.channel if rep else "", rep.sender_id if rep else "", rem.delivered_at)

    @_guard
    def reminders(self, channel: str, sender: str, until: Optional[datetime] = None,
                  include_delivered: bool = False) -> List[Reminder]:
        with Session(self.engine, future=True) as s:
            rep = self._rep(s, channel, sender, create=False)
            if rep is None:
                return []
            stmt = select(MemReminder).where(MemReminder.rep_id == rep.id, MemReminder.cancelled.is_(False))
            if until is not None:
                stmt = stmt.where(MemReminder.due_at <= until)
            if not include_delivered:
                stmt = stmt.where(MemReminder.delivered_at.is_(None))
            return [self._reminder(s, r) for r in s.execute(stmt.order_by(MemReminder.due_at)).scalars()]

    @_guard
    def due_reminders(self, now: datetime, limit: int = 100, channel: Optional[str] = None,
                      sender: Optional[str] = None) -> List[Reminder]:
        """Undelivered reminders whose time has come (of one rep, when given), oldest first."""
        with Session(self.engine, future=True) as s:
            stmt = select(MemReminder).where(MemReminder.due_at <= now, MemReminder.delivered_at.is_(None),
                                             MemReminder.cancelled.is_(False))
            if channel is not None and sender is not None:
                rep = self._rep(s, channel, sender, create=False)
                if rep is None:
                    return []
                stmt = stmt.where(MemReminder.rep_id == rep.id)
            elif channel is not None:  # every rep of one channel (its delivery loop)
                stmt = stmt.where(MemReminder.rep_id.in_(select(MemRep.id).where(MemRep.channel == channel)))
            rows = s.execute(stmt.order_by(MemReminder.due_at).limit(limit)).scalars()
            return [self._reminder(s, r) for r in rows]

    @_guard
    def claim_reminder(self, reminder_id: int, worker: str, now: Optional[datetime] = None) -> bool:
        """Take the reminder for delivery; False when another worker has it or it was delivered."""
        now = now or _now()
        with Session(self.engine, future=True) as s, s.begin():
            result = s.execute(
                update(MemReminder)
                .where(MemReminder.id == reminder_id, MemReminder.delivered_at.is_(None),
                       or_(MemReminder.claimed_at.is_(None), MemReminder.claimed_at < now - LEASE))
                .values(claimed_at=now, claimed_by=worker[:100])
            )
            return bool(result.rowcount)

    @_guard
    def mark_delivered(self, reminder_id: int, worker: str, now: Optional[datetime] = None) -> bool:
        with Session(self.engine, future=True) as s, s.begin():
            result = s.execute(
                update(MemReminder)
                .where(and_(MemReminder.id == reminder_id, MemReminder.claimed_by == worker[:100],
                            MemReminder.delivered_at.is_(None)))
                .values(delivered_at=now or _now())
            )
            return bool(result.rowcount)

    @_guard
    def activity(self, channel: str, sender: str) -> List[Tuple[Activity, int]]:
        """(activity, customer id) of each of the rep's customers: the last time the rep spoke of them."""
        with Session(self.engine, future=True) as s:
            rep = self._rep(s, channel, sender, create=False)
            if rep is None:
                return []
            out = []
            for row in s.execute(select(MemCustomer).where(MemCustomer.rep_id == rep.id)).scalars():
                times = [row.created_at, row.last_contact_at]
                times.append(s.execute(select(MemAssessment.created_at).where(MemAssessment.customer_id == row.id)
                                       .order_by(MemAssessment.created_at.desc()).limit(1)).scalar())
                times.append(s.execute(select(MemNote.at).where(MemNote.customer_id == row.id)
                                       .order_by(MemNote.at.desc()).limit(1)).scalar())
                times.append(s.execute(select(MemSignal.at).where(MemSignal.customer_id == row.id)
                                       .order_by(MemSignal.at.desc()).limit(1)).scalar())
                last = max((t for t in times if t is not None), default=None)
                grade = self._merged(s, row).get("grade")
                out.append((Activity(row.display_name, last, str(grade.value) if grade else None), row.id))
            return out

    # -- the weekly digest ---------------------------------------------------------------------
    @_guard
    def digest_reps(self, channel: str) -> List[str]:
        """Senders of the channel who have customers and did not turn the weekly digest off."""
        with Session(self.engine, future=True) as s:
            has_customers = select(MemCustomer.id).where(MemCustomer.rep_id == MemRep.id).exists()
            stmt = select(MemRep.sender_id).where(MemRep.channel == channel, MemRep.weekly_digest.is_(True),
                                                  has_customers).order_by(MemRep.id)
            return [str(sender) for sender in s.execute(stmt).scalars()]

    @_guard
    def weekly_digest_on(self, channel: str, sender: str) -> bool:
        with Session(self.engine, future=True) as s:
            rep = self._rep(s, channel, sender, create=False)
            return True if rep is None else bool(rep.weekly_digest)

    @_guard
    def set_weekly_digest(self, channel: str, sender: str, on: bool) -> None:
        with Session(self.engine, future=True) as s, s.begin():
            rep = self._rep(s, channel, sender, create=True)
            assert rep is not None
            rep.weekly_digest = on

    @_guard
    def claim_digest(self, channel: str, sender: str, week: str, worker: str, now: Optional[datetime] = None) -> bool:
        """Take this rep's digest of `week`; False when it was sent, or another worker holds a live claim."""
        now = now or _now()
        with Session(self.engine, future=True) as s:
            rep = self._rep(s, channel, sender, create=False)
            if rep is None:
                return False
            rep_id = rep.id
        try:
            with Session(self.engine, future=True) as s, s.begin():
                s.add(MemDigest(rep_id=rep_id, week=week, claimed_at=now, claimed_by=worker[:100]))
            return True
        except IntegrityError:  # claimed before: take it over only when unsent and its claim has expired
            with Session(self.engine, future=True) as s, s.begin():
                result = s.execute(
                    update(MemDigest)
                    .where(MemDigest.rep_id == rep_id, MemDigest.week == week, MemDigest.sent_at.is_(None),
                           MemDigest.claimed_at < now - LEASE)
                    .values(claimed_at=now, claimed_by=worker[:100])
                )
                return bool(result.rowcount)

    @_guard
    def mark_digest_sent(self, channel: str, sender: str, week: str, worker: str,
                         now: Optional[datetime] = None) -> bool:
        with Session(self.engine, future=True) as s, s.begin():
            rep = self._rep(s, channel, sender, create=False)
            if rep is None:
                return False
            result = s.execute(
                update(MemDigest)
                .where(MemDigest.rep_id == rep.id, MemDigest.week == week, MemDigest.claimed_by == worker[:100],
                       MemDigest.sent_at.is_(None))
                .values(sent_at=now or _now())
            )
            return bool(result.rowcount)
