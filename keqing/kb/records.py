"""What the knowledge base query API returns: plain, frozen records."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import (
    Any,
    Dict,
    NamedTuple,
    Optional,
    Tuple,
)


class UnknownTerm(LookupError):
    """A stage/style/motive/grade name that matches no item of the knowledge base."""


class Cue(NamedTuple):
    dimension: str  # style / motive / grade / stage / regression
    value: str  # 支配型 / 理智型 / A / 开发 / 关系倒退 ...
    phrase: str


@dataclass(frozen=True)
class StepInfo:
    stage: str  # stage name, or the regression item's name
    order: int
    key: str
    title: str
    summary: str
    details: Tuple[str, ...]
    authored: bool


@dataclass(frozen=True)
class OpportunityInfo:
    stage: str
    order: int
    key: str
    name: str
    description: str
    question: str


@dataclass(frozen=True)
class StageInfo:
    id: str
    name: str
    order: int
    share_min: float
    share_max: float
    position: str
    objective: str


@dataclass(frozen=True)
class Strategy:
    stage: str
    position: str
    objective: str
    first_steps: Tuple[StepInfo, ...]
    style: Optional[str] = None
    communicate: Tuple[str, ...] = ()
    avoid: Tuple[str, ...] = ()
    phone: Tuple[str, ...] = ()
    motive: Optional[str] = None
    motive_tactics: Tuple[str, ...] = ()
    motive_compliance: Optional[str] = None
    grade: Optional[str] = None
    grade_tactics: Tuple[str, ...] = ()
    cadence: Optional[str] = None
    cadence_days: Optional[int] = None


@dataclass(frozen=True)
class ItemSummary:
    id: str
    kind: str  # an item kind, or "step" / "opportunity" for the fallback matches
    name: str
    definition: str
    aliases: Tuple[str, ...] = ()
    traits: Tuple[str, ...] = ()
    tactics: Tuple[str, ...] = ()
    compliance: Optional[str] = None
    authored: bool = False
    source: Tuple[str, ...] = ()
    details: Dict[str, Any] = field(default_factory=dict)  # kind-specific fields from the YAML


@dataclass(frozen=True)
class ComplianceTopic:
    id: str
    name: str
    triggers: Tuple[str, ...]
    refusal: str
    alternatives: Tuple[str, ...]
    law: str
    note: Optional[str] = None
    matched: Optional[str] = None  # the trigger found by compliance_match
    goal: Optional[str] = None  # the rep's real goal the lawful plan serves
    decline: Tuple[str, ...] = ()  # sentences to decline a customer's request politely
    tactics: Tuple[str, ...] = ()  # what to do now


@dataclass(frozen=True)
class Guidance:
    """A lawful but sensitive topic, answered with nuance."""

    id: str
    name: str
    definition: str
    answer: Tuple[str, ...]
    limits: Tuple[str, ...]
    law: Optional[str]


@dataclass(frozen=True)
class Regression:
    id: str
    name: str
    definition: str
    cues: Tuple[str, ...]
    tactics: Tuple[str, ...]
    steps: Tuple[StepInfo, ...]
    signs: Dict[str, Tuple[str, ...]]  # stage name -> regression signs in that stage




@dataclass(frozen=True)
class Advice:
    """Advice for a recurring question (key people, a blocker, single-threading)."""

    id: str
    name: str
    definition: str
    tactics: Tuple[str, ...]
    questions: Tuple[str, ...]
    avoid: Tuple[str, ...]
