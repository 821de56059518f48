"""The customer memory's base: engine, and the helpers that scope every query to one rep."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keqing.customers.merge import Candidate, merge
from keqing.customers.records import (
    Customer,
    CustomerRef,
    DimensionValue,
    UnknownCustomer,
    _customer,
    _decode,
    _now,
    _share_str,
)
from keqing.db import get_engine
from keqing.db.memory_models import (
    MemAccount,
    MemAssessment,
    MemAssessmentValue,
    MemCorrection,
    MemCustomer,
    MemRep,
    MemStageHistory,
)
from keqing.kb.normalize import (
    customer_display_name,
    normalize_customer,
)
from keqing.taxonomy import DIMENSIONS


class MemoryBase:
    def __init__(self, url: Optional[str] = None, engine: Optional[Engine] = None):
        self.engine = engine or get_engine(url)

    # -- scoping helpers -------------------------------------------------------------
    def _ensure(self, model: Any, lookup: Dict[str, Any], values: Dict[str, Any]) -> None:
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

    def _merged(self, s: Session, row: MemCustomer) -> Dict[str, DimensionValue]:
        """The current profile of `row` (rules in keqing.customers.merge)."""
        cands: List[Candidate] = []
        stmt = (
            select(MemAssessment, MemAssessmentValue)
            .join(MemAssessmentValue, MemAssessmentValue.assessment_id == MemAssessment.id)
            .where(MemAssessment.customer_id == row.id)
        )
        for a, v in s.execute(stmt):
            dv = DimensionValue(_decode(v.dimension, v.value), v.confidence, tuple(v.evidence or ()),
                                "assessment", a.created_at, a.source_text)
            cands.append(Candidate(v.dimension, a.seq, dv))
        for h in s.execute(select(MemStageHistory).where(MemStageHistory.customer_id == row.id)).scalars():
            cands.append(Candidate("stage", h.seq, DimensionValue(h.stage, 1.0, (), "stage", h.at, h.reason)))
            if h.share is not None:
                cands.append(Candidate("share", h.seq, DimensionValue(_decode("share", _share_str(h.share)), 1.0, (),
                                                                      "stage", h.at, h.reason)))
        for c in s.execute(select(MemCorrection).where(MemCorrection.customer_id == row.id)).scalars():
            cands.append(Candidate(c.dimension, c.seq, DimensionValue(_decode(c.dimension, c.new_value), 1.0, (),
                                                                      "correction", c.at, c.correction_message)))
        merged = merge(cands)
        return {dim: merged[dim] for dim in DIMENSIONS if dim in merged}

    def _as_customer(self, s: Session, row: MemCustomer) -> Customer:
        account = s.get(MemAccount, row.account_id) if row.account_id else None
        return _customer(row, account.display_name if account else None)
