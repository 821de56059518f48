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

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, TypeVar, Union

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from keqing.db import get_engine
from keqing.db.errors import translate_db_errors, MemoryUnavailable
from keqing.db.memory_models import (
    MemAssessment,
    MemAssessmentValue,
    MemCorrection,
    MemCustomer,
    MemNextAction,
    MemNote,
    MemPlaybookPosition,
    MemRep,
    MemStageHistory,
)
from keqing.kb.normalize import customer_display_name, normalize_customer, normalize_text
from keqing.taxonomy import DIMENSIONS, VALUES

STAGES = VALUES["stage"]
PERSON_DIMENSIONS = ("style", "motive", "grade")  # corrections stick

T = TypeVar("T")


class UnknownCustomer(LookupError):
    """The customer does not exist for this rep (or belongs to another rep)."""


@dataclass(frozen=True)
class Customer:
    id: int
    display_name: str
    key: str
    created_at: datetime


CustomerRef = Union[str, Customer]


@dataclass(frozen=True)
class DimensionValue:
    value: Union[str, int, float]
    confidence: Optional[float]
    evidence: Tuple[str, ...]
    source: str  # "assessment" | "correction" | "stage"
    at: datetime
    message: str = ""  # the rep's message it came from


@dataclass(frozen=True)
class Profile:
    customer: Customer
    values: Dict[str, DimensionValue]

    def get(self, dimension: str) -> Optional[Union[str, int, float]]:
        found = self.values.get(dimension)
        return found.value if found else None

    def as_dict(self) -> Dict[str, Optional[Dict[str, Any]]]:
        """Same shape as `customer_profile` in NLU results (interfaces.md)."""
        return {
            dim: (
                {"value": v.value, "confidence": v.confidence, "evidence": list(v.evidence)}
                if (v := self.values.get(dim))
                else None
            )
            for dim in DIMENSIONS
        }


@dataclass(frozen=True)
class StageEntry:
    stage: str
    share: Optional[float]
    reason: str
    at: datetime


@dataclass(frozen=True)
class StageChange:
    previous: Optional[str]
    current: str
    share: Optional[float]
    regressed: bool  # moved to an earlier stage
    advanced: bool  # moved to a later stage


@dataclass(frozen=True)
class PlaybookPosition:
    stage: str
    step_order: int
    updated_at: datetime


@dataclass(frozen=True)
class Correction:
    id: int
    dimension: str
    old_value: Optional[str]
    new_value: str
    original_message: str
    correction_message: str
    at: datetime


@dataclass(frozen=True)
class Note:
    id: int
    text: str
    at: datetime


@dataclass(frozen=True)
class NextAction:
    id: int
    text: str
    due: Optional[date]
    done: bool
    created_at: datetime
    done_at: Optional[datetime]


def _now() -> datetime:
    return datetime.utcnow()


_guard = translate_db_errors(MemoryUnavailable, "customer memory")


def _check_value(dimension: str, value: Any) -> str:
    """Validate a dimension value and return its stored (string) form."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r} (expected one of {', '.join(DIMENSIONS)})")
    if dimension == "share":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
            raise ValueError(f"share must be a number within 0..100, got {value!r}")
        return _share_str(value)
    if value not in VALUES[dimension]:
        raise ValueError(f"{dimension} must be one of {', '.join(VALUES[dimension])}, got {value!r}")
    return str(value)


def _share_str(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _decode(dimension: str, stored: str) -> Union[str, int, float]:
    if dimension != "share":
        return stored
    number = float(stored)
    return int(number) if number.is_integer() else number


def _customer(row: MemCustomer) -> Customer:
    return Customer(row.id, row.display_name, row.key, row.created_at)


class CustomerMemory:
    def __init__(self, url: Optional[str] = None, engine: Optional[Engine] = None):
        self.engine = engine or get_engine(url)

    # -- scoping helpers -------------------------------------------------------------
    def _ensure(self, model: type, lookup: Dict[str, Any], values: Dict[str, Any]) -> None:
        """Insert a row identified by `lookup` unless it exists; tolerant of a concurrent insert."""
        with Session(self.engine, future=True) as s:
            try:
                with s.begin():
                    if s.execute(select(model.id).filter_by(**lookup)).first() is None:
                        s.add(model(**lookup, **values))
            except IntegrityError:
                pass  # created meanwhile by another worker

    def _rep(self, s: Session, channel: str, sender: str, create: bool) -> Optional[MemRep]:
        lookup = {"channel": str(channel), "sender_id": str(sender)}
        if create:
            self._ensure(MemRep, lookup, {"seq": 0, "created_at": _now()})
        return s.execute(select(MemRep).filter_by(**lookup)).scalars().first()

    def _find(self, s: Session, rep: Optional[MemRep], customer: CustomerRef) -> Optional[MemCustomer]:
        if rep is None:
            return None
        if isinstance(customer, Customer):
            stmt = select(MemCustomer).where(MemCustomer.id == customer.id, MemCustomer.rep_id == rep.id)
        else:
            key = normalize_customer(customer)
            if not key:
                return None
            stmt = select(MemCustomer).where(MemCustomer.rep_id == rep.id, MemCustomer.key == key)
        return s.execute(stmt).scalars().first()

    def _resolve(self, s: Session, channel: str, sender: str, customer: CustomerRef, create: bool) -> MemCustomer:
        """The rep's customer row; created from a name when `create` (never from another rep's Customer)."""
        rep = self._rep(s, channel, sender, create)
        row = self._find(s, rep, customer)
        if row is None and create and rep is not None and isinstance(customer, str):
            key = normalize_customer(customer)
            if not key:
                raise ValueError("customer name is empty")
            display = customer_display_name(customer) or customer.strip()
            self._ensure(
                MemCustomer,
                {"rep_id": rep.id, "key": key},
                {"display_name": display, "created_at": _now(), "touched_seq": 0},
            )
            row = self._find(s, rep, customer)
        if row is None:
            shown = customer.display_name if isinstance(customer, Customer) else customer
            raise UnknownCustomer(f"no customer {shown!r} for this rep")
        return row

    def _next_seq(self, s: Session, rep_id: int) -> int:
        # The UPDATE also row-locks the rep on PostgreSQL, serialising that rep's writes.
        s.execute(update(MemRep).where(MemRep.id == rep_id).values(seq=MemRep.seq + 1))
        return s.execute(select(MemRep.seq).where(MemRep.id == rep_id)).scalar_one()

    def _touch(self, s: Session, row: MemCustomer) -> int:
        seq = self._next_seq(s, row.rep_id)
        row.touched_seq = seq
        return seq

    # -- customers -------------------------------------------------------------------
    @_guard
    def get_or_create_customer(self, channel: str, sender: str, name: str) -> Customer:
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, name, create=True)
            self._touch(s, row)
            return _customer(row)

    @_guard
    def get_customer(self, channel: str, sender: str, name: str) -> Optional[Customer]:
        with Session(self.engine, future=True) as s:
            row = self._find(s, self._rep(s, channel, sender, create=False), name)
            return _customer(row) if row else None

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
            return _customer(best[2]) if best else None

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
            return [_customer(row) for row in s.execute(stmt).scalars()]

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
            return _customer(row)

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

    def _merged(self, s: Session, row: MemCustomer) -> Dict[str, DimensionValue]:
        # candidates per dimension: (rank, seq, value); the highest (rank, seq) wins
        best: Dict[str, Tuple[int, int, DimensionValue]] = {}

        def offer(dim: str, rank: int, seq: int, value: DimensionValue) -> None:
            if dim not in best or (rank, seq) > best[dim][:2]:
                best[dim] = (rank, seq, value)

        stmt = (
            select(MemAssessment, MemAssessmentValue)
            .join(MemAssessmentValue, MemAssessmentValue.assessment_id == MemAssessment.id)
            .where(MemAssessment.customer_id == row.id)
        )
        for a, v in s.execute(stmt):
            dv = DimensionValue(_decode(v.dimension, v.value), v.confidence, tuple(v.evidence or ()),
                                "assessment", a.created_at, a.source_text)
            offer(v.dimension, 0, a.seq, dv)
        for h in s.execute(select(MemStageHistory).where(MemStageHistory.customer_id == row.id)).scalars():
            offer("stage", 0, h.seq, DimensionValue(h.stage, 1.0, (), "stage", h.at, h.reason))
            if h.share is not None:
                offer("share", 0, h.seq, DimensionValue(_decode("share", _share_str(h.share)), 1.0, (), "stage",
                                                        h.at, h.reason))
        for c in s.execute(select(MemCorrection).where(MemCorrection.customer_id == row.id)).scalars():
            rank = 1 if c.dimension in PERSON_DIMENSIONS else 0  # person traits: corrections always win
            offer(c.dimension, rank, c.seq, DimensionValue(_decode(c.dimension, c.new_value), 1.0, (),
                                                           "correction", c.at, c.correction_message))
        return {dim: best[dim][2] for dim in DIMENSIONS if dim in best}

    @_guard
    def profile(self, channel: str, sender: str, customer: CustomerRef) -> Optional[Profile]:
        """The merged current profile, or None when the rep has no such customer."""
        with Session(self.engine, future=True) as s:
            row = self._find(s, self._rep(s, channel, sender, create=False), customer)
            if row is None:
                return None
            return Profile(_customer(row), self._merged(s, row))

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

    # -- playbook position -----------------------------------------------------------
    @_guard
    def playbook_position(self, channel: str, sender: str, customer: CustomerRef) -> Optional[PlaybookPosition]:
        with Session(self.engine, future=True) as s:
            row = self._find(s, self._rep(s, channel, sender, create=False), customer)
            pos = s.get(MemPlaybookPosition, row.id) if row else None
            return PlaybookPosition(pos.stage, pos.step_order, pos.updated_at) if pos else None

    @_guard
    def set_playbook_position(
        self, channel: str, sender: str, customer: CustomerRef, stage: str, step_order: int
    ) -> PlaybookPosition:
        _check_value("stage", stage)
        if step_order < 1:
            raise ValueError("step_order starts at 1")
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, customer, create=True)
            self._touch(s, row)
            return self._store_position(s, row, stage, step_order)

    def _store_position(self, s: Session, row: MemCustomer, stage: str, order: int) -> PlaybookPosition:
        pos = s.get(MemPlaybookPosition, row.id)
        now = _now()
        if pos is None:
            pos = MemPlaybookPosition(customer_id=row.id, stage=stage, step_order=order, updated_at=now)
            s.add(pos)
        else:
            pos.stage, pos.step_order, pos.updated_at = stage, order, now
        return PlaybookPosition(stage, order, now)

    @_guard
    def advance_step(
        self,
        channel: str,
        sender: str,
        customer: CustomerRef,
        stage: Optional[str] = None,
        max_order: Optional[int] = None,
    ) -> PlaybookPosition:
        """Move to the next step (capped at `max_order`); a new stage starts at step 1.

        `stage` defaults to the stored position's stage, then the profile's stage.
        """
        if stage is not None:
            _check_value("stage", stage)
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, customer, create=True)
            pos = s.get(MemPlaybookPosition, row.id)
            if stage is None:
                current = self._merged(s, row).get("stage")
                stage = pos.stage if pos else (str(current.value) if current else None)
            if stage is None:
                raise ValueError("no stage known for this customer; pass stage=")
            if pos is None or pos.stage != stage:
                order = 1
            else:
                order = pos.step_order + 1
                if max_order is not None:
                    order = min(order, max_order)
            self._touch(s, row)
            return self._store_position(s, row, stage, order)

    # -- notes and next actions ------------------------------------------------------
    @_guard
    def add_note(self, channel: str, sender: str, customer: CustomerRef, text: str) -> Note:
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, customer, create=True)
            self._touch(s, row)
            note = MemNote(customer_id=row.id, text=text, at=_now())
            s.add(note)
            s.flush()
            return Note(note.id, note.text, note.at)

    @_guard
    def notes(self, channel: str, sender: str, customer: CustomerRef) -> List[Note]:
        with Session(self.engine, future=True) as s:
            row = self._find(s, self._rep(s, channel, sender, create=False), customer)
            if row is None:
                return []
            stmt = select(MemNote).where(MemNote.customer_id == row.id).order_by(MemNote.id)
            return [Note(n.id, n.text, n.at) for n in s.execute(stmt).scalars()]

    @_guard
    def add_next_action(
        self, channel: str, sender: str, customer: CustomerRef, text: str, due: Optional[date] = None
    ) -> NextAction:
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, customer, create=True)
            self._touch(s, row)
            act = MemNextAction(customer_id=row.id, text=text, due=due, done=False, created_at=_now())
            s.add(act)
            s.flush()
            return NextAction(act.id, act.text, act.due, act.done, act.created_at, act.done_at)

    @_guard
    def next_actions(
        self, channel: str, sender: str, customer: Optional[CustomerRef] = None, include_done: bool = False
    ) -> List[NextAction]:
        """Open actions of one customer, or of all the rep's customers when `customer` is None."""
        with Session(self.engine, future=True) as s:
            rep = self._rep(s, channel, sender, create=False)
            if rep is None:
                return []
            stmt = select(MemNextAction).join(MemCustomer, MemCustomer.id == MemNextAction.customer_id)
            stmt = stmt.where(MemCustomer.rep_id == rep.id)
            if customer is not None:
                row = self._find(s, rep, customer)
                if row is None:
                    return []
                stmt = stmt.where(MemNextAction.customer_id == row.id)
            if not include_done:
                stmt = stmt.where(MemNextAction.done.is_(False))
            stmt = stmt.order_by(MemNextAction.due.is_(None), MemNextAction.due, MemNextAction.id)
            return [
                NextAction(a.id, a.text, a.due, a.done, a.created_at, a.done_at) for a in s.execute(stmt).scalars()
            ]

    @_guard
    def complete_action(self, channel: str, sender: str, action_id: int) -> bool:
        """Mark one of this rep's actions done; False if it is not theirs or does not exist."""
        with Session(self.engine, future=True) as s, s.begin():
            rep = self._rep(s, channel, sender, create=False)
            if rep is None:
                return False
            stmt = (
                select(MemNextAction)
                .join(MemCustomer, MemCustomer.id == MemNextAction.customer_id)
                .where(MemNextAction.id == action_id, MemCustomer.rep_id == rep.id)
            )
            act = s.execute(stmt).scalars().first()
            if act is None:
                return False
            act.done, act.done_at = True, _now()
            return True

    # -- playbooks other than a stage's (used by the actions for the regression repair steps) ----
    @_guard
    def set_playbook_step(
        self, channel: str, sender: str, customer: CustomerRef, playbook: str, step_order: int
    ) -> PlaybookPosition:
        """Like `set_playbook_position`, but `playbook` may also name a playbook that is not a stage,
        such as the regression item's repair steps ('客户关系倒退'); at most 20 characters.

        `playbook_position` then reports that name as its `stage`."""
        playbook = (playbook or "").strip()
        if not playbook or len(playbook) > 20:
            raise ValueError("playbook name must be 1..20 characters")
        if step_order < 1:
            raise ValueError("step_order starts at 1")
        with Session(self.engine) as s, s.begin():
            row = self._resolve(s, channel, sender, customer, create=True)
            self._touch(s, row)
            return self._store_position(s, row, playbook, step_order)
