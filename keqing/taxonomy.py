"""The profile's dimensions and values, and how NLU entity types map onto them."""
from __future__ import annotations

from typing import Dict, Optional, Tuple

# The order of `customer_profile` (shared/interfaces.md).
DIMENSIONS = ("style", "motive", "stage", "grade", "share")

VALUES: Dict[str, Tuple[str, ...]] = {
    "style": ("支配型", "表达型", "和蔼型", "分析型"),
    "motive": ("理智型", "任务型", "贪婪型"),
    "stage": ("开发", "初期合作", "稳定合作", "战略合作"),
    "grade": ("A", "B", "C", "D"),
}
# The dimensions with a fixed set of values (all but share), in profile order.
CATEGORICAL = tuple(d for d in DIMENSIONS if d in VALUES)
# Traits of the person (a correction of these always wins); stage and share describe the business.
PERSON_TRAITS = ("style", "motive", "grade")
STAGES = VALUES["stage"]

ANIMALS = {"支配型": "老虎", "表达型": "孔雀", "和蔼型": "鸽子", "分析型": "猫头鹰"}

# The product's own terms a rep may ask the meaning of ("鸽子型是啥意思", "什么叫战略合作").
CONCEPT_TERMS: Tuple[str, ...] = (
    *VALUES["style"], *ANIMALS.values(), *VALUES["motive"], *VALUES["stage"][1:], "开发阶段",
    *(f"{g}类" for g in VALUES["grade"]), "主供", "二供", "内线", "关键人", "决策者", "影响者", "把关者",
)

DIMENSION_LABELS = {"style": "沟通风格", "motive": "决策动机", "stage": "关系阶段", "grade": "客户等级", "share": "采购份额"}

# NLU entity type (training data annotations) → (dimension, value)
ENTITY_VALUES: Dict[str, Tuple[str, str]] = {
    "style_dominant": ("style", "支配型"),
    "style_expressive": ("style", "表达型"),
    "style_amiable": ("style", "和蔼型"),
    "style_analytical": ("style", "分析型"),
    "motive_rational": ("motive", "理智型"),
    "motive_task": ("motive", "任务型"),
    "motive_greedy": ("motive", "贪婪型"),
    "grade_a": ("grade", "A"),
    "grade_b": ("grade", "B"),
    "grade_c": ("grade", "C"),
    "grade_d": ("grade", "D"),
    "stage_dev": ("stage", "开发"),
    "stage_early": ("stage", "初期合作"),
    "stage_stable": ("stage", "稳定合作"),
    "stage_strategic": ("stage", "战略合作"),
}
VALUE_ENTITIES = {v: k for k, v in ENTITY_VALUES.items()}


def entity_value(entity_type: str) -> Optional[Tuple[str, str]]:
    return ENTITY_VALUES.get(entity_type)


def label(dimension: str, value: str) -> str:
    """How a value is shown to the rep: 支配型(老虎), A类, 初期合作阶段."""
    if dimension == "style":
        return f"{value}({ANIMALS[value]})" if value in ANIMALS else value
    if dimension == "grade":
        return f"{value}类"
    if dimension == "stage":
        return f"{value}阶段"
    if dimension == "share":
        return f"约{value}%"
    return value
