"""Customer memory: what each rep told us about each of their customers.

A rep is identified by (channel, sender_id). Every public method takes (channel, sender) first and
only ever reads or writes rows that belong to that rep, so two reps with a customer of the same
name never see each other's data. A customer argument is either a name as the rep typed it
('李经理那边' finds 李经理) or a `Customer` returned earlier for the same rep.

Profile merge rule (see `profile`):
- style / motive / grade describe the person: the rep's latest correction wins over anything the
  NLU inferred, before or after it; without a correction the latest assessment wins.
- stage / share change over time: the latest statement wins, whether it came from an assessment,
  `set_stage` or a correction.

All times are naive UTC.
"""
from __future__ import annotations

from typing import Any, List, Mapping, Optional, Tuple, Union

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from keqing.customers.people import PeopleMixin
from keqing.customers.playbook import PlaybookMixin
from keqing.customers.records import (
    Correction,
    Customer,
    CustomerRef,
    Profile,
    StageChange,
    StageEntry,
    _check_value,
    _guard,
    _now,
)
from keqing.db.memory_models import (
    MemAssessment,
    MemAssessmentValue,
    MemCorrection,
    MemCustomer,
    MemStageHistory,
)
from keqing.kb.normalize import (
    customer_display_name,
    normalize_text,
)
from keqing.reminders.store import RemindersMixin
from keqing.taxonomy import STAGES


class CustomerMemory(PeopleMixin, PlaybookMixin, RemindersMixin):
    # -- customers -------------------------------------------------------------------
    @_guard
    def get_or_create_customer(self, channel: str, sender: str, name: str) -> Customer:
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, name, create=True)
            self._touch(s, row)
            return self._as_customer(s, row)

    @_guard
    def get_customer(self, channel: str, sender: str, name: str) -> Optional[Customer]:
        with Session(self.engine, future=True) as s:
            row = self._find(s, self._rep(s, channel, sender, create=False), name)
            return self._as_customer(s, row) if row else None

    @_guard
    def find_customer(self, channel: str, sender: str, text: str) -> Optional[Customer]:
        """A known customer of this rep mentioned anywhere in `text` ("说说李经理那边" → 李经理).

        The longest matching name wins (王总监 over 王总), then the most recently discussed.
        """
        haystack = normalize_text(text)
        with Session(self.engine, future=True) as s:
            rep = self._rep(s, channel, sender, create=False)
            if rep is None or not haystack:
                return None
            best: Optional[Tuple[int, int, MemCustomer]] = None
            for row in s.execute(select(MemCustomer).where(MemCustomer.rep_id == rep.id)).scalars():
                names = {row.key, normalize_text(customer_display_name(row.display_name))}
                length = max((len(n) for n in names if n and n in haystack), default=0)
                if length and (best is None or (length, row.touched_seq) > best[:2]):
                    best = (length, row.touched_seq, row)
            return self._as_customer(s, best[2]) if best else None

    @_guard
    def list_customers(self, channel: str, sender: str) -> List[Customer]:
        """This rep's customers, most recently discussed first."""
        with Session(self.engine, future=True) as s:
            rep = self._rep(s, channel, sender, create=False)
            if rep is None:
                return []
            stmt = (
                select(MemCustomer)
                .where(MemCustomer.rep_id == rep.id)
                .order_by(MemCustomer.touched_seq.desc(), MemCustomer.id)
            )
            return [self._as_customer(s, row) for row in s.execute(stmt).scalars()]

    @_guard
    def last_customer(self, channel: str, sender: str) -> Optional[Customer]:
        customers = self.list_customers(channel, sender)
        return customers[0] if customers else None

    @_guard
    def touch_customer(self, channel: str, sender: str, customer: CustomerRef) -> Customer:
        """Mark the customer as the one being discussed (what `last_customer` returns)."""
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, customer, create=False)
            self._touch(s, row)
            return self._as_customer(s, row)

    @_guard
    def delete_customer(self, channel: str, sender: str, customer: CustomerRef) -> bool:
        with Session(self.engine, future=True) as s, s.begin():
            row = self._find(s, self._rep(s, channel, sender, create=False), customer)
            if row is None:
                return False
            s.execute(delete(MemCustomer).where(MemCustomer.id == row.id))
            return True

    # -- assessments and profile -----------------------------------------------------
    @_guard
    def record_assessment(
        self,
        channel: str,
        sender: str,
        customer: CustomerRef,
        profile: Mapping[str, Optional[Mapping[str, Any]]],
        source_text: str = "",
    ) -> Optional[int]:
        """Store an NLU `customer_profile` ({dim: {value, confidence, evidence}} or None per dim).

        Returns the assessment id, or None when the profile holds no value at all.
        """
        values = []
        for dim, found in profile.items():
            if not found or found.get("value") is None:
                continue
            stored = _check_value(dim, found["value"])
            confidence = found.get("confidence")
            evidence = [str(e) for e in (found.get("evidence") or [])]
            values.append((dim, stored, None if confidence is None else float(confidence), evidence))
        if not values:
            return None
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, customer, create=True)
            seq = self._touch(s, row)
            assessment = MemAssessment(customer_id=row.id, seq=seq, source_text=source_text, created_at=_now())
            s.add(assessment)
            s.flush()
            for dim, stored, confidence, evidence in values:
                s.add(MemAssessmentValue(assessment_id=assessment.id, dimension=dim, value=stored,
                                         confidence=confidence, evidence=evidence))
            return assessment.id

    @_guard
    def profile(self, channel: str, sender: str, customer: CustomerRef) -> Optional[Profile]:
        """The merged current profile, or None when the rep has no such customer."""
        with Session(self.engine, future=True) as s:
            row = self._find(s, self._rep(s, channel, sender, create=False), customer)
            if row is None:
                return None
            return Profile(self._as_customer(s, row), self._merged(s, row))

    @_guard
    def record_correction(
        self,
        channel: str,
        sender: str,
        customer: CustomerRef,
        dimension: str,
        new_value: Union[str, int, float],
        original_message: str = "",
        correction_message: str = "",
        old_value: Optional[Union[str, int, float]] = None,
    ) -> Correction:
        """The rep says a dimension is wrong; `old_value` defaults to the current profile value."""
        stored = _check_value(dimension, new_value)
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, customer, create=True)
            if old_value is None:
                current = self._merged(s, row).get(dimension)
                old = None if current is None else str(current.value)
                if current is not None and not original_message:
                    original_message = current.message
            else:
                old = str(old_value)
            seq = self._touch(s, row)
            corr = MemCorrection(customer_id=row.id, seq=seq, dimension=dimension, old_value=old, new_value=stored,
                                 original_message=original_message, correction_message=correction_message, at=_now())
            s.add(corr)
            s.flush()
            return Correction(corr.id, dimension, old, stored, original_message, correction_message, corr.at)

    @_guard
    def corrections(self, channel: str, sender: str, customer: CustomerRef) -> List[Correction]:
        with Session(self.engine, future=True) as s:
            row = self._find(s, self._rep(s, channel, sender, create=False), customer)
            if row is None:
                return []
            stmt = select(MemCorrection).where(MemCorrection.customer_id == row.id).order_by(MemCorrection.seq)
            return [
                Correction(c.id, c.dimension, c.old_value, c.new_value, c.original_message, c.correction_message, c.at)
                for c in s.execute(stmt).scalars()
            ]

    # -- stage -----------------------------------------------------------------------
    @_guard
    def set_stage(
        self,
        channel: str,
        sender: str,
        customer: CustomerRef,
        stage: str,
        share: Optional[float] = None,
        reason: str = "",
    ) -> StageChange:
        """Record the customer's current stage (and share); tells whether this is a regression."""
        _check_value("stage", stage)
        if share is not None:
            _check_value("share", share)
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, customer, create=True)
            current = self._merged(s, row).get("stage")
            previous = str(current.value) if current else None
            seq = self._touch(s, row)
            s.add(MemStageHistory(customer_id=row.id, seq=seq, stage=stage,
                                  share=None if share is None else float(share), reason=reason, at=_now()))
            before = STAGES.index(previous) if previous in STAGES else None
            after = STAGES.index(stage)
            return StageChange(
                previous=previous,
                current=stage,
                share=share,
                regressed=before is not None and after < before,
                advanced=before is not None and after > before,
            )

    @_guard
    def stage_history(self, channel: str, sender: str, customer: CustomerRef) -> List[StageEntry]:
        with Session(self.engine, future=True) as s:
            row = self._find(s, self._rep(s, channel, sender, create=False), customer)
            if row is None:
                return []
            stmt = select(MemStageHistory).where(MemStageHistory.customer_id == row.id).order_by(MemStageHistory.seq)
            return [StageEntry(h.stage, h.share, h.reason, h.at) for h in s.execute(stmt).scalars()]

