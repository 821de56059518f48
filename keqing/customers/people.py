"""The people of a rep's accounts: placeholders, renaming and merging, companies, roles, relations, account news.

- A person described before the rep names them is kept under a placeholder (their role or company, e.g.
  "中鼎化工采购经理"); naming them later renames the record, nothing is lost.
- Renaming to a name that already has a record merges the two (every reading, correction, stage entry,
  note and signal moves over); the merged record keeps the better profile by the usual merge rules.
- A customer belongs to at most one account (company); an account has many people, each with a role.
- Account news (opportunity signals, regression) is kept per person it was told about.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from keqing.customers.records import Customer, CustomerRef, UnknownCustomer, _guard, _now
from keqing.customers.store import MemoryBase
from keqing.db.memory_models import (
    MemAccount,
    MemAssessment,
    MemCorrection,
    MemCustomer,
    MemNextAction,
    MemNote,
    MemPlaybookPosition,
    MemRelation,
    MemReminder,
    MemSignal,
    MemStageHistory,
)
from keqing.kb.normalize import customer_display_name, normalize_customer
from keqing.text.accounts import account_key

ROLES = ("决策者", "影响者", "使用者", "把关者", "内线", "反对者")
_MOVABLE = (MemAssessment, MemCorrection, MemStageHistory, MemNote, MemNextAction, MemSignal)


@dataclass(frozen=True)
class Signal:
    kind: str  # opportunity | regression
    name: str
    message: str
    at: datetime


@dataclass(frozen=True)
class Relation:
    person: str
    other: Optional[str]
    kind: str
    text: str


class PeopleMixin(MemoryBase):
    # -- placeholders, renaming, merging ---------------------------------------------------------
    @_guard
    def create_placeholder(self, channel: str, sender: str, label: str) -> Customer:
        """A new record named after a role or company ("中鼎化工采购经理"); a number is added when taken."""
        base = customer_display_name(label)[:30] or "未具名客户"
        with Session(self.engine, future=True) as s, s.begin():
            rep = self._rep(s, channel, sender, create=True)
            assert rep is not None
            name, n = base, 1
            while self._find(s, rep, name) is not None:
                n += 1
                name = f"{base}{n}"
            row = MemCustomer(rep_id=rep.id, display_name=name, key=normalize_customer(name), created_at=_now(),
                              touched_seq=0, placeholder=True)
            s.add(row)
            s.flush()
            self._touch(s, row)
            return self._as_customer(s, row)

    @_guard
    def rename_customer(self, channel: str, sender: str, customer: CustomerRef, new_name: str) -> Customer:
        """The customer under `new_name`; merged into the record that already has that name, if any."""
        display = customer_display_name(new_name)
        key = normalize_customer(new_name)
        if not key:
            raise ValueError("the new name is empty")
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, customer, create=False)
            rep = self._rep(s, channel, sender, create=False)
            target = self._find(s, rep, new_name)
            if target is None or target.id == row.id:
                row.display_name, row.key, row.placeholder = display, key, False
                self._touch(s, row)
                return self._as_customer(s, row)
            self._merge_rows(s, row, target)
            self._touch(s, target)
            return self._as_customer(s, target)

    def _merge_rows(self, s: Session, source: MemCustomer, target: MemCustomer) -> None:
        for model in _MOVABLE:
            s.execute(update(model).where(model.customer_id == source.id).values(customer_id=target.id))
        s.execute(update(MemRelation).where(MemRelation.customer_id == source.id).values(customer_id=target.id))
        s.execute(update(MemRelation).where(MemRelation.other_id == source.id).values(other_id=target.id))
        s.execute(update(MemReminder).where(MemReminder.customer_id == source.id).values(customer_id=target.id))
        if target.account_id is None:
            target.account_id = source.account_id
        if target.role is None:
            target.role = source.role
        position = s.get(MemPlaybookPosition, source.id)
        if position is not None and s.get(MemPlaybookPosition, target.id) is None:
            s.add(MemPlaybookPosition(customer_id=target.id, stage=position.stage, step_order=position.step_order,
                                      updated_at=position.updated_at))
        s.execute(delete(MemCustomer).where(MemCustomer.id == source.id))

    # -- accounts and roles ---------------------------------------------------------------------
    @_guard
    def set_account(self, channel: str, sender: str, customer: CustomerRef, account: str) -> Customer:
        name = customer_display_name(account)[:100]
        key = account_key(account)
        if not key:
            raise ValueError("the account name is empty")
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, customer, create=True)
            found = s.execute(select(MemAccount).filter_by(rep_id=row.rep_id, key=key)).scalars().first()
            if found is None:
                found = MemAccount(rep_id=row.rep_id, key=key, display_name=name, created_at=_now())
                s.add(found)
                s.flush()
            row.account_id = found.id
            return self._as_customer(s, row)

    @_guard
    def set_role(self, channel: str, sender: str, customer: CustomerRef, role: Optional[str]) -> Customer:
        if role is not None and role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, customer, create=True)
            row.role = role
            return self._as_customer(s, row)

    @_guard
    def account_people(self, channel: str, sender: str, account: str) -> List[Customer]:
        """The rep's people at `account`, most recently discussed first."""
        key = account_key(account)
        with Session(self.engine, future=True) as s:
            rep = self._rep(s, channel, sender, create=False)
            if rep is None:
                return []
            found = s.execute(select(MemAccount).filter_by(rep_id=rep.id, key=key)).scalars().first()
            if found is None:
                return []
            rows = s.execute(select(MemCustomer).where(MemCustomer.account_id == found.id)
                             .order_by(MemCustomer.touched_seq.desc(), MemCustomer.id.desc())).scalars()
            return [self._as_customer(s, row) for row in rows]

    @_guard
    def add_relation(self, channel: str, sender: str, customer: CustomerRef, kind: str, text: str,
                     other: Optional[CustomerRef] = None) -> None:
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, customer, create=True)
            other_row = self._resolve(s, channel, sender, other, create=False) if other is not None else None
            s.add(MemRelation(customer_id=row.id, other_id=other_row.id if other_row else None, kind=kind,
                              text=text[:500], at=_now()))

    @_guard
    def relations(self, channel: str, sender: str, customer: CustomerRef) -> List[Relation]:
        with Session(self.engine, future=True) as s:
            row = self._find(s, self._rep(s, channel, sender, create=False), customer)
            if row is None:
                return []
            out = []
            for rel in s.execute(select(MemRelation).where(MemRelation.customer_id == row.id)
                                 .order_by(MemRelation.id)).scalars():
                other = s.get(MemCustomer, rel.other_id) if rel.other_id else None
                out.append(Relation(row.display_name, other.display_name if other else None, rel.kind, rel.text))
            return out

    # -- account news ---------------------------------------------------------------------------
    @_guard
    def add_signal(self, channel: str, sender: str, customer: CustomerRef, kind: str, name: str,
                   message: str = "") -> None:
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, customer, create=True)
            seq = self._touch(s, row)
            s.add(MemSignal(customer_id=row.id, seq=seq, kind=kind, name=name, message=message[:1000], at=_now()))

    @_guard
    def signals(self, channel: str, sender: str, customer: CustomerRef) -> List[Signal]:
        with Session(self.engine, future=True) as s:
            row = self._find(s, self._rep(s, channel, sender, create=False), customer)
            if row is None:
                return []
            rows = s.execute(select(MemSignal).where(MemSignal.customer_id == row.id).order_by(MemSignal.seq))
            return [Signal(r.kind, r.name, r.message, r.at) for r in rows.scalars()]

    @_guard
    def mark_contact(self, channel: str, sender: str, customer: CustomerRef, at: Optional[datetime] = None) -> None:
        """The rep was in touch with the customer (for "X 天未跟进")."""
        with Session(self.engine, future=True) as s, s.begin():
            row = self._resolve(s, channel, sender, customer, create=False)
            row.last_contact_at = at or _now()

    def require(self, channel: str, sender: str, customer: CustomerRef) -> Customer:
        with Session(self.engine, future=True) as s:
            row = self._find(s, self._rep(s, channel, sender, create=False), customer)
            if row is None:
                raise UnknownCustomer(f"no customer {customer!r} for this rep")
            return self._as_customer(s, row)
