"""Customer-memory tables (revision 0002). Everything hangs off a rep = (channel, sender_id).

Times are naive UTC. `seq` columns carry a per-rep event counter so that events written in the
same microsecond (or by clocks that disagree) still have a total order.
"""
from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.sql.expression import true

from keqing.db.base import Base


def _customer_fk() -> ForeignKey:
    return ForeignKey("mem_customers.id", ondelete="CASCADE")


class MemRep(Base):
    __tablename__ = "mem_reps"
    __table_args__ = (UniqueConstraint("channel", "sender_id"),)

    id = Column(Integer, primary_key=True)
    channel = Column(String(50), nullable=False)
    sender_id = Column(String(200), nullable=False)
    seq = Column(Integer, nullable=False, default=0)  # last event number handed out
    created_at = Column(DateTime, nullable=False)
    weekly_digest = Column(Boolean, nullable=False, default=True, server_default=true())  # revision 0006


class MemAccount(Base):
    """A customer company of one rep (revision 0004)."""

    __tablename__ = "mem_accounts"
    __table_args__ = (UniqueConstraint("rep_id", "key", name="uq_mem_accounts_rep_key"),)

    id = Column(Integer, primary_key=True)
    rep_id = Column(Integer, ForeignKey("mem_reps.id", ondelete="CASCADE"), nullable=False, index=True)
    key = Column(String(200), nullable=False)
    display_name = Column(String(200), nullable=False)
    created_at = Column(DateTime, nullable=False)


class MemCustomer(Base):
    __tablename__ = "mem_customers"
    __table_args__ = (UniqueConstraint("rep_id", "key"),)

    id = Column(Integer, primary_key=True)
    rep_id = Column(Integer, ForeignKey("mem_reps.id", ondelete="CASCADE"), nullable=False, index=True)
    display_name = Column(String(200), nullable=False)  # as the rep first typed it
    key = Column(String(200), nullable=False)  # normalise_customer(display_name)
    created_at = Column(DateTime, nullable=False)
    touched_seq = Column(Integer, nullable=False, default=0)  # rep.seq when last talked about
    # revision 0004
    account_id = Column(Integer, ForeignKey("mem_accounts.id", ondelete="SET NULL", name="fk_mem_customers_account"),
                        nullable=True)
    role = Column(String(20), nullable=True)  # 决策者 | 影响者 | 使用者 | 把关者 | 内线 | 反对者
    placeholder = Column(Boolean, nullable=False, default=False)  # named by role/company until the rep gives a name
    last_contact_at = Column(DateTime, nullable=True)


class MemAssessment(Base):
    __tablename__ = "mem_assessments"

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, _customer_fk(), nullable=False, index=True)
    seq = Column(Integer, nullable=False)
    source_text = Column(Text, nullable=False, default="")
    created_at = Column(DateTime, nullable=False)


class MemAssessmentValue(Base):
    __tablename__ = "mem_assessment_values"

    assessment_id = Column(Integer, ForeignKey("mem_assessments.id", ondelete="CASCADE"), primary_key=True)
    dimension = Column(String(20), primary_key=True)
    value = Column(String(50), nullable=False)  # share stored as its decimal string
    confidence = Column(Float, nullable=True)
    evidence = Column(JSON, nullable=False)  # list of substrings as typed


class MemStageHistory(Base):
    __tablename__ = "mem_stage_history"

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, _customer_fk(), nullable=False, index=True)
    seq = Column(Integer, nullable=False)
    stage = Column(String(20), nullable=False)
    share = Column(Float, nullable=True)
    reason = Column(Text, nullable=False, default="")
    at = Column(DateTime, nullable=False)


class MemPlaybookPosition(Base):
    __tablename__ = "mem_playbook_positions"

    customer_id = Column(Integer, _customer_fk(), primary_key=True)
    stage = Column(String(20), nullable=False)
    step_order = Column(Integer, nullable=False)
    updated_at = Column(DateTime, nullable=False)


class MemCorrection(Base):
    __tablename__ = "mem_corrections"

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, _customer_fk(), nullable=False, index=True)
    seq = Column(Integer, nullable=False)
    dimension = Column(String(20), nullable=False)
    old_value = Column(String(50), nullable=True)
    new_value = Column(String(50), nullable=False)
    original_message = Column(Text, nullable=False, default="")
    correction_message = Column(Text, nullable=False, default="")
    at = Column(DateTime, nullable=False)


class MemNote(Base):
    __tablename__ = "mem_notes"

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, _customer_fk(), nullable=False, index=True)
    text = Column(Text, nullable=False)
    at = Column(DateTime, nullable=False)


class MemNextAction(Base):
    __tablename__ = "mem_next_actions"

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, _customer_fk(), nullable=False, index=True)
    text = Column(Text, nullable=False)
    due = Column(Date, nullable=True)
    done = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False)
    done_at = Column(DateTime, nullable=True)


class MemSignal(Base):
    """News about a customer's account: an opportunity signal or a sign of regression (revision 0004)."""

    __tablename__ = "mem_signals"

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, _customer_fk(), nullable=False, index=True)
    seq = Column(Integer, nullable=False)
    kind = Column(String(20), nullable=False)  # opportunity | regression
    name = Column(String(50), nullable=False)  # the knowledge base's signal name (新产品上市 …)
    message = Column(Text, nullable=False, default="")
    at = Column(DateTime, nullable=False)


class MemRelation(Base):
    """How two people of an account stand to each other, or to us (revision 0004)."""

    __tablename__ = "mem_relations"

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, _customer_fk(), nullable=False, index=True)
    other_id = Column(Integer, ForeignKey("mem_customers.id", ondelete="CASCADE"), nullable=True)
    kind = Column(String(20), nullable=False)  # conflict | supports | opposes | reports_to
    text = Column(Text, nullable=False, default="")
    at = Column(DateTime, nullable=False)


class MemReminder(Base):
    """A follow-up reminder, delivered once at `due_at` through the rep's channel (revision 0004)."""

    __tablename__ = "mem_reminders"

    id = Column(Integer, primary_key=True)
    rep_id = Column(Integer, ForeignKey("mem_reps.id", ondelete="CASCADE"), nullable=False, index=True)
    customer_id = Column(Integer, ForeignKey("mem_customers.id", ondelete="SET NULL"), nullable=True)
    text = Column(Text, nullable=False)
    due_at = Column(DateTime, nullable=False, index=True)
    created_at = Column(DateTime, nullable=False)
    claimed_at = Column(DateTime, nullable=True)
    claimed_by = Column(String(100), nullable=True)
    delivered_at = Column(DateTime, nullable=True)
    cancelled = Column(Boolean, nullable=False, default=False)


class MemDigest(Base):
    """The Monday digest of one rep for one ISO week: claimed once, sent once (revision 0006)."""

    __tablename__ = "mem_digests"
    __table_args__ = (UniqueConstraint("rep_id", "week"),)

    id = Column(Integer, primary_key=True)
    rep_id = Column(Integer, ForeignKey("mem_reps.id", ondelete="CASCADE"), nullable=False)
    week = Column(String(10), nullable=False)  # "2026-W49"
    claimed_at = Column(DateTime, nullable=False)
    claimed_by = Column(String(100), nullable=False)
    sent_at = Column(DateTime, nullable=True)


class Picture(Base):
    """A rendered picture (the style map), served to REST callers and uploaded by WeCom/Slack (revision 0006)."""

    __tablename__ = "pictures"

    key = Column(String(64), primary_key=True)  # sha256 of the content
    content = Column(LargeBinary, nullable=False)
    mime = Column(String(50), nullable=False)
    created_at = Column(DateTime, nullable=False, index=True)
