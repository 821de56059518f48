"""Knowledge-base tables (revision 0001). Loaded from knowledge/*.yml; never written elsewhere.

Every table has a natural primary key so that reloading the same YAML yields identical rows.
"""
from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from keqing.db.base import Base


def _item_fk() -> ForeignKey:
    return ForeignKey("kb_items.id", ondelete="CASCADE")


class KbItem(Base):
    __tablename__ = "kb_items"

    id = Column(String(100), primary_key=True)
    kind = Column(String(20), nullable=False, index=True)
    name = Column(String(100), nullable=False)
    definition = Column(Text, nullable=False)
    source = Column(JSON, nullable=False)  # list of seed ids / "authored"
    authored = Column(Boolean, nullable=False, default=False)
    compliance = Column(Text, nullable=True)
    file = Column(String(200), nullable=False)  # YAML file the item came from (basename)
    # Frequently queried kind-specific fields; everything else lives in `raw`.
    parent_id = Column(String(100), nullable=True)  # style_variant -> style
    group = Column(String(40), nullable=True)  # concept group
    cadence = Column(String(100), nullable=True)  # grade
    cadence_days = Column(Integer, nullable=True)  # grade
    raw = Column(JSON, nullable=False)  # the validated YAML item, complete

    aliases = relationship("KbAlias", cascade="all, delete-orphan", passive_deletes=True)


class KbAlias(Base):
    __tablename__ = "kb_aliases"

    item_id = Column(String(100), _item_fk(), primary_key=True)
    alias = Column(String(100), primary_key=True)
    norm = Column(String(100), nullable=False, index=True)  # normalise_term(alias)


class KbCue(Base):
    """A literal phrase a rep types, mapped to a dimension value (style/motive/grade/stage/regression)."""

    __tablename__ = "kb_cues"

    item_id = Column(String(100), _item_fk(), primary_key=True)
    position = Column(Integer, primary_key=True)
    dimension = Column(String(20), nullable=False, index=True)
    value = Column(String(100), nullable=False)
    phrase = Column(String(100), nullable=False)


class KbItemText(Base):
    """Ordered string lists of an item: traits, tactics, communicate, avoid, phone, triggers, ..."""

    __tablename__ = "kb_item_texts"

    item_id = Column(String(100), _item_fk(), primary_key=True)
    field = Column(String(40), primary_key=True)
    position = Column(Integer, primary_key=True)
    text = Column(Text, nullable=False)


class KbStage(Base):
    __tablename__ = "kb_stages"

    item_id = Column(String(100), _item_fk(), primary_key=True)
    name = Column(String(40), nullable=False, unique=True)
    order = Column(Integer, nullable=False, unique=True)
    share_min = Column(Float, nullable=False)
    share_max = Column(Float, nullable=False)
    position = Column(Text, nullable=False)
    objective = Column(Text, nullable=False)


class KbStep(Base):
    """Ordered strategy steps of a stage, or repair steps of the regression item."""

    __tablename__ = "kb_steps"
    __table_args__ = (UniqueConstraint("item_id", "key"),)

    item_id = Column(String(100), _item_fk(), primary_key=True)
    order = Column(Integer, primary_key=True)
    key = Column(String(100), nullable=False)  # the step's YAML id
    title = Column(String(200), nullable=False)
    summary = Column(Text, nullable=False)
    details = Column(JSON, nullable=False)  # list of str
    authored = Column(Boolean, nullable=False, default=False)


class KbOpportunity(Base):
    __tablename__ = "kb_opportunities"
    __table_args__ = (UniqueConstraint("item_id", "key"),)

    item_id = Column(String(100), _item_fk(), primary_key=True)
    order = Column(Integer, primary_key=True)  # position in the YAML list, from 1
    key = Column(String(100), nullable=False)
    name = Column(String(200), nullable=False)
    description = Column(Text, nullable=False)
    question = Column(Text, nullable=False)


class KbCompliance(Base):
    """Compliance topic; triggers and alternatives are KbItemText rows (fields 'triggers', 'alternatives')."""

    __tablename__ = "kb_compliance"

    item_id = Column(String(100), _item_fk(), primary_key=True)
    refusal = Column(Text, nullable=False)
    law = Column(Text, nullable=False)


class KbMeta(Base):
    """Key/value facts about the loaded KB (content hash), no timestamps so reloads stay identical."""

    __tablename__ = "kb_meta"

    key = Column(String(40), primary_key=True)
    value = Column(Text, nullable=False)


KB_TABLES = [
    KbItem.__table__,
    KbAlias.__table__,
    KbCue.__table__,
    KbItemText.__table__,
    KbStage.__table__,
    KbStep.__table__,
    KbOpportunity.__table__,
    KbCompliance.__table__,
    KbMeta.__table__,
]
