"""Playbook positions (which step of a stage's or the repair steps a customer is on), notes and next actions."""
from __future__ import annotations

from datetime import date
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from keqing.customers.records import (
    CustomerRef,
    NextAction,
    Note,
    PlaybookPosition,
    _check_value,
    _guard,
    _now,
)
from keqing.customers.store import MemoryBase
from keqing.db.memory_models import (
    MemCustomer,
    MemNextAction,
    MemNote,
    MemPlaybookPosition,
)


class PlaybookMixin(MemoryBase):
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
