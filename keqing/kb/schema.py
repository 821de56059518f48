"""Pydantic (v1) models of `knowledge/*.yml` as described in docs/knowledge-schema.md.

`parse_item(data)` picks the model by `kind` and returns a validated item; per-item rules live in
validators, cross-item rules (duplicate ids, parents, stage order) in loader.py.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Type

from pydantic import (
    BaseModel,
    Extra,
    Field,
    StrictBool,
    StrictInt,
    conint,
    root_validator,
    validator,
)

from keqing.taxonomy import STAGES
from keqing.taxonomy import VALUES as DIMENSION_VALUES

# Dimension values, exactly as in docs/conventions.md (defined in keqing.taxonomy).
STYLES = DIMENSION_VALUES["style"]
MOTIVES = DIMENSION_VALUES["motive"]
GRADES = DIMENSION_VALUES["grade"]

ANIMALS = ("老虎", "孔雀", "鸽子", "猫头鹰")
CONCEPT_GROUPS = ("relationship_type", "relationship_level", "sales_level", "crm_type", "value_type")
MIN_CUES = {"style": 20, "motive": 10, "grade": 10, "signal": 5}
ID_RE = re.compile(r"^[a-z][a-z0-9_.]*$")
SOURCE_RE = re.compile(r"^(seed-\d{3}|authored)$")
# Cues are matched literally: no punctuation, no placeholders such as XX / {name} / ….
CUE_FORBIDDEN = re.compile(r"[\s,，。.!！?？:：;；、\"'“”‘’()（）\[\]【】{}<>《》/\\|…~～*#]|XX|xx|某某")


class SchemaModel(BaseModel):
    class Config:
        extra = Extra.forbid  # a typo such as `tatics:` must fail, not vanish
        anystr_strip_whitespace = True
        allow_mutation = False


def _nonblank_list(values: List[str], field_name: str) -> List[str]:
    for i, value in enumerate(values):
        if not value:
            raise ValueError(f"{field_name}[{i}] is empty")
    return values


class Step(SchemaModel):
    id: str
    order: conint(strict=True, ge=1)  # type: ignore[valid-type]
    title: str = Field(..., min_length=1)
    summary: str = Field(..., min_length=1)
    details: List[str]
    authored: StrictBool = False

    @validator("details")
    def _details(cls, v: List[str]) -> List[str]:  # noqa: N805
        return _nonblank_list(v, "details")


class Opportunity(SchemaModel):
    id: str
    name: str = Field(..., min_length=1)
    description: str = Field(..., min_length=1)
    question: str = Field(..., min_length=1)


class CallScript(SchemaModel):
    opening: List[str] = Field(..., min_items=1)
    discovering_needs: List[str] = Field(..., min_items=1)


class Axes(SchemaModel):
    emotion: str
    expression: str

    @validator("emotion", "expression")
    def _high_low(cls, v: str) -> str:  # noqa: N805
        if v not in ("高", "低"):
            raise ValueError("must be 高 or 低")
        return v


class Item(SchemaModel):
    """Common fields of every item."""

    id: str
    kind: str
    name: str = Field(..., min_length=1)
    aliases: List[str]
    definition: str = Field(..., min_length=1)
    traits: List[str]
    cues: List[str]
    tactics: List[str]
    source: List[str] = Field(..., min_items=1)
    authored: StrictBool = False
    compliance: Optional[str] = None

    # kinds whose traits/tactics must be non-empty ("may be empty for concepts")
    _needs_traits_tactics = True

    @validator("id")
    def _id(cls, v: str) -> str:  # noqa: N805
        if not ID_RE.match(v):
            raise ValueError(f"id {v!r} does not match {ID_RE.pattern}")
        return v

    @validator("aliases", "traits", "tactics", each_item=True)
    def _nonblank(cls, v: str) -> str:  # noqa: N805
        if not v:
            raise ValueError("empty string in list")
        return v

    @validator("aliases")
    def _unique_aliases(cls, v: List[str]) -> List[str]:  # noqa: N805
        dupes = sorted({a for a in v if v.count(a) > 1})
        if dupes:
            raise ValueError(f"duplicate alias {dupes[0]!r}")
        return v

    @validator("source", each_item=True)
    def _source(cls, v: str) -> str:  # noqa: N805
        if not SOURCE_RE.match(v):
            raise ValueError(f"source {v!r} must be seed-NNN or authored")
        return v

    @validator("cues")
    def _cues(cls, v: List[str]) -> List[str]:  # noqa: N805
        seen = set()
        for cue in v:
            if not cue:
                raise ValueError("empty cue")
            if CUE_FORBIDDEN.search(cue):
                raise ValueError(f"cue {cue!r} contains punctuation, spaces or a placeholder")
            if cue in seen:
                raise ValueError(f"duplicate cue {cue!r}")
            seen.add(cue)
        return v

    @validator("compliance")
    def _compliance(cls, v: Optional[str]) -> Optional[str]:  # noqa: N805
        if v is not None and not v:
            raise ValueError("compliance note is empty")
        return v

    @root_validator(skip_on_failure=True)
    def _kind_rules(cls, values: dict) -> dict:  # noqa: N805
        kind = values["kind"]
        minimum = MIN_CUES.get(kind)
        if minimum and len(values["cues"]) < minimum:
            raise ValueError(f"a {kind} needs at least {minimum} cues, got {len(values['cues'])}")
        if cls._needs_traits_tactics:
            for name in ("traits", "tactics"):
                if not values[name]:
                    raise ValueError(f"{name} must not be empty for a {kind}")
        return values


def _steps_ordered(cls: Any, steps: List[Step]) -> List[Step]:  # used as a validator
    orders = [s.order for s in steps]
    if len(set(orders)) != len(orders):
        raise ValueError(f"duplicate step order in {orders}")
    ids = [s.id for s in steps]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate step id")
    return sorted(steps, key=lambda s: s.order)


class StyleItem(Item):
    animal: str
    axes: Axes
    communicate: List[str] = Field(..., min_items=1)
    avoid: List[str] = Field(..., min_items=1)
    phone: List[str] = Field(..., min_items=1)
    call_script: Optional[CallScript] = None
    script_examples: List[str] = Field(..., min_items=2, max_items=8)

    @validator("name")
    def _name(cls, v: str) -> str:  # noqa: N805
        if v not in STYLES:
            raise ValueError(f"style name must be one of {', '.join(STYLES)}")
        return v

    @validator("animal")
    def _animal(cls, v: str) -> str:  # noqa: N805
        if v not in ANIMALS:
            raise ValueError(f"animal must be one of {', '.join(ANIMALS)}")
        return v

    @root_validator(skip_on_failure=True)
    def _owl_script(cls, values: dict) -> dict:  # noqa: N805
        if values["name"] == "分析型" and values.get("call_script") is None:
            raise ValueError("call_script is required for 分析型 (猫头鹰)")
        return values


class StyleVariantItem(Item):
    parent: str
    communicate: List[str] = Field(..., min_items=1)
    avoid: List[str] = Field(..., min_items=1)


class MotiveItem(Item):
    @validator("name")
    def _name(cls, v: str) -> str:  # noqa: N805
        if v not in MOTIVES:
            raise ValueError(f"motive name must be one of {', '.join(MOTIVES)}")
        return v

    @root_validator(skip_on_failure=True)
    def _greedy_compliance(cls, values: dict) -> dict:  # noqa: N805
        if values["name"] == "贪婪型" and not values.get("compliance"):
            raise ValueError("贪婪型 needs a compliance note")
        return values


class GradeItem(Item):
    cadence: str = Field(..., min_length=1)
    cadence_days: conint(strict=True, ge=1)  # type: ignore[valid-type]

    @validator("name")
    def _name(cls, v: str) -> str:  # noqa: N805
        if v not in GRADES:
            raise ValueError(f"grade name must be one of {', '.join(GRADES)}")
        return v


class StageItem(Item):
    order: conint(strict=True, ge=1, le=4)  # type: ignore[valid-type]
    share_min: float
    share_max: float
    position: str = Field(..., min_length=1)
    objective: str = Field(..., min_length=1)
    steps: List[Step] = Field(..., min_items=1)
    opportunities: List[Opportunity] = []
    create_opportunity: List[str] = []
    regression_signs: List[str] = []

    _steps = validator("steps", allow_reuse=True)(_steps_ordered)

    @validator("name")
    def _name(cls, v: str) -> str:  # noqa: N805
        if v not in STAGES:
            raise ValueError(f"stage name must be one of {', '.join(STAGES)}")
        return v

    @root_validator(skip_on_failure=True)
    def _shares(cls, values: dict) -> dict:  # noqa: N805
        lo, hi = values["share_min"], values["share_max"]
        if not (0 <= lo <= 100 and 0 <= hi <= 100):
            raise ValueError(f"share_min/share_max must be within 0..100, got {lo}..{hi}")
        if lo > hi:
            raise ValueError(f"share_min {lo} > share_max {hi}")
        if values["name"] != "初期合作" and (values["opportunities"] or values["create_opportunity"]):
            raise ValueError("opportunities/create_opportunity belong to 初期合作 only")
        ids = [o.id for o in values["opportunities"]]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate opportunity id")
        return values


class RegressionItem(Item):
    steps: List[Step] = Field(..., min_items=1)

    _steps = validator("steps", allow_reuse=True)(_steps_ordered)

    @validator("cues")
    def _has_cues(cls, v: List[str]) -> List[str]:  # noqa: N805
        if not v:
            raise ValueError("regression needs cues")
        return v


class ConceptItem(Item):
    _needs_traits_tactics = False
    group: str
    stages: List[str] = []

    @validator("group")
    def _group(cls, v: str) -> str:  # noqa: N805
        if v not in CONCEPT_GROUPS:
            raise ValueError(f"group must be one of {', '.join(CONCEPT_GROUPS)}")
        return v

    @validator("stages", each_item=True)
    def _stage(cls, v: str) -> str:  # noqa: N805
        if v not in STAGES:
            raise ValueError(f"stage {v!r} must be one of {', '.join(STAGES)}")
        return v


# The laws a refusal may cite by name (every refusal names at least one).
LAW_NAMES = ("反不正当竞争法", "招标投标法", "刑法", "产品质量法", "广告法", "民法典", "安全生产法", "消费者权益保护法")


class ComplianceItem(Item):
    """An unlawful tactic the assistant declines: the law, a lawful plan for the rep's real goal, and
    sentences to decline with (`decline`) when a customer asks for it."""

    _needs_traits_tactics = False
    triggers: List[str] = Field(..., min_items=1)
    refusal: str = Field(..., min_length=1)
    alternatives: List[str] = Field(..., min_items=1)
    law: str = Field(..., min_length=1)
    goal: Optional[str] = None  # the rep's real goal the lawful plan serves
    decline: List[str] = []  # sample sentences for declining politely

    @validator("refusal")
    def _names_law(cls, v: str) -> str:  # noqa: N805
        if not any(law in v for law in LAW_NAMES):
            raise ValueError(f"refusal must name a law ({', '.join(LAW_NAMES)})")
        return v


class GuidanceItem(Item):
    """A lawful but sensitive question (a token gift, a contracted rebate): answered with nuance, not refused."""

    _needs_traits_tactics = False
    triggers: List[str] = Field(..., min_items=1)
    answer: List[str] = Field(..., min_items=1)
    limits: List[str] = []  # where it stops being lawful
    law: Optional[str] = None


class SignalItem(Item):
    """News about an account that the dialogue recognises: one of the eight opportunity signals of the
    初期合作 stage (`opportunity`: its key there), or a sign of regression."""

    _needs_traits_tactics = False
    signal_kind: str
    opportunity: Optional[str] = None

    @validator("signal_kind")
    def _signal_kind(cls, v: str) -> str:  # noqa: N805
        if v not in ("opportunity", "regression"):
            raise ValueError("signal_kind must be opportunity or regression")
        return v


class AdviceItem(Item):
    """Advice for a recurring question that is not a stage step (key people, a blocker, single-threading)."""

    _needs_traits_tactics = False
    triggers: List[str] = Field(..., min_items=1)
    questions: List[str] = []  # what to find out
    avoid: List[str] = []


KIND_MODELS: Dict[str, Type[Item]] = {
    "style": StyleItem,
    "style_variant": StyleVariantItem,
    "motive": MotiveItem,
    "grade": GradeItem,
    "stage": StageItem,
    "regression": RegressionItem,
    "concept": ConceptItem,
    "compliance": ComplianceItem,
    "guidance": GuidanceItem,
    "signal": SignalItem,
    "advice": AdviceItem,
}
# Dimension of the cues of each kind in the cue lexicon (value = item name).
CUE_DIMENSIONS: Dict[str, str] = {
    "style": "style",
    "motive": "motive",
    "grade": "grade",
    "stage": "stage",
    "regression": "regression",
    "style_variant": "style_variant",
    "concept": "concept",
    "compliance": "compliance",
    "guidance": "guidance",
    "signal": "signal",
    "advice": "advice",
}


class KnowledgeFile(BaseModel):
    version: StrictInt
    items: List[dict]

    class Config:
        extra = Extra.forbid

    @validator("version")
    def _version(cls, v: int) -> int:  # noqa: N805
        if v != 1:
            raise ValueError(f"unsupported version {v}, expected 1")
        return v
