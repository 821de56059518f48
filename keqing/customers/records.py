"""Records of the customer memory (what its methods return) and the value rules they share."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Dict, Optional, Tuple, TypeVar, Union

from keqing.db.errors import MemoryUnavailable, translate_db_errors
from keqing.db.memory_models import (
    MemCustomer,
)
from keqing.taxonomy import DIMENSIONS, PERSON_TRAITS, VALUES

PERSON_DIMENSIONS = PERSON_TRAITS  # corrections stick

T = TypeVar("T")


class UnknownCustomer(LookupError):
    """The customer does not exist for this rep (or belongs to another rep)."""


@dataclass(frozen=True)
class Customer:
    id: int
    display_name: str
    key: str
    created_at: datetime
    account: Optional[str] = None  # the company, when the rep said it
    role: Optional[str] = None  # 决策者 | 影响者 | 使用者 | 把关者 | 内线 | 反对者
    placeholder: bool = False  # named after a role or company until the rep gives a name
    last_contact_at: Optional[datetime] = None


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


def _customer(row: MemCustomer, account: Optional[str] = None) -> Customer:
    return Customer(row.id, row.display_name, row.key, row.created_at, account, row.role, bool(row.placeholder),
                    row.last_contact_at)


