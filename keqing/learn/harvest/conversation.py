"""Rebuilding conversations from tracker events: the rep turns (text, intent, profile, what the bot did next) and session boundaries."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import (
    Any,
    Dict,
    Iterable,
    List,
    Optional,
    Tuple,
    Union,
)

from keqing import settings as config
from keqing.learn.harvest.tracker import BOUNDARY_EVENTS, EventRow
from keqing.taxonomy import CATEGORICAL, DIMENSIONS

logger = logging.getLogger(__name__)

ROOT = config.REPO_ROOT
DEFAULT_NLU_DIR = ROOT / "data"  # training data, by feature
HARVESTED_NAME = "harvested/nlu.yml"  # under DEFAULT_NLU_DIR
DEFAULT_REVIEW_PATH = ROOT / "review" / "pending.yml"  # not training data
DEFAULT_HELDOUT_DIR = ROOT / "tests" / "nlu"

DESCRIBE = "describe_customer"
CORRECT = "correct_profile"
CONTINUE_INTENTS = frozenset({"ask_next_step", "ask_strategy", "affirm"})
SCOPE_CLOSING_INTENTS = frozenset({DESCRIBE, "switch_customer", "list_customers"})
FALLBACK_INTENT = "nlu_fallback"
BENEFIT_INTENT = "ask_improper_benefit"
FALLBACK_ACTIONS = frozenset(
    {"action_default_fallback", "utter_default", "utter_please_rephrase", "action_rephrase", "action_two_stage_fallback"}
)
LABEL_DIMS = CATEGORICAL  # dimensions annotated as cue entities
PROFILE_DIMS = DIMENSIONS
@dataclass
class Turn:
    """One user message and what the bot did after it (until the next user message)."""

    event_id: int
    sender: str
    timestamp: float
    text: str
    intent: Optional[str]
    confidence: float
    ranking: List[Tuple[str, float]]
    entities: List[Dict[str, Any]]
    profile: Dict[str, Optional[Dict[str, Any]]]
    actions: List[str] = field(default_factory=list)
    slots: Dict[str, Any] = field(default_factory=dict)
    compliance: Dict[str, Any] = field(default_factory=dict)  # the compliance check's verdict of the message

    @property
    def refused(self) -> bool:
        """A request for an unlawful tactic: it goes to review with its category, never into training."""
        return self.compliance.get("verdict") == "unlawful" or self.intent == BENEFIT_INTENT

    @property
    def is_fallback(self) -> bool:
        return self.intent == FALLBACK_INTENT or any(a in FALLBACK_ACTIONS for a in self.actions)

    @property
    def suggested_intent(self) -> Optional[str]:
        """The model's best real intent (the ranking behind an nlu_fallback)."""
        if self.intent and self.intent != FALLBACK_INTENT:
            return self.intent
        for name, _conf in self.ranking:
            if name and name != FALLBACK_INTENT:
                return name
        return None

    @property
    def suggested_confidence(self) -> float:
        if self.intent and self.intent != FALLBACK_INTENT:
            return self.confidence
        for name, conf in self.ranking:
            if name and name != FALLBACK_INTENT:
                return conf
        return 0.0


@dataclass
class Boundary:
    event_id: int
    timestamp: float


def _turn(row: EventRow) -> Turn:
    data = row.data
    parse = data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    ranking = [
        (str(r.get("name")), float(r.get("confidence") or 0.0))
        for r in (parse.get("intent_ranking") or [])
        if isinstance(r, dict) and r.get("name")
    ]
    profile = parse.get("customer_profile") or {}
    return Turn(
        event_id=row.id,
        sender=row.sender,
        timestamp=float(data.get("timestamp") or row.timestamp or 0.0),
        text=str(data.get("text") or parse.get("text") or ""),
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        ranking=ranking,
        entities=[e for e in (parse.get("entities") or []) if isinstance(e, dict)],
        profile={d: (profile.get(d) if isinstance(profile.get(d), dict) else None) for d in PROFILE_DIMS},
        compliance=dict(parse.get("compliance") or {}) if isinstance(parse.get("compliance"), dict) else {},
    )


def conversation_items(rows: Iterable[EventRow]) -> List[Union[Turn, Boundary]]:
    """One sender's events (in id order) as user turns and session boundaries."""
    items: List[Union[Turn, Boundary]] = []
    last_turn: Optional[Turn] = None
    for row in rows:
        kind = row.data.get("event") or row.type_name
        if kind == "user":
            last_turn = _turn(row)
            items.append(last_turn)
        elif kind in BOUNDARY_EVENTS:
            items.append(Boundary(row.id, row.timestamp))
            last_turn = None
        elif kind == "rewind":  # UserUtteranceReverted: the last user message is taken back
            if last_turn is not None and last_turn in items:
                items.remove(last_turn)
            last_turn = None
        elif last_turn is not None and kind == "action" and row.data.get("name"):
            last_turn.actions.append(str(row.data["name"]))
        elif last_turn is not None and kind == "slot" and row.data.get("name"):
            last_turn.slots[str(row.data["name"])] = row.data.get("value")
    return items
