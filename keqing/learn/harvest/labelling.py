"""Labelling: which turns become training examples (confirmed or corrected descriptions) and which go to review."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import (
    Any,
    Dict,
    Iterable,
    List,
    Optional,
    Tuple,
    Union,
)

import yaml

from keqing.learn.harvest.conversation import (
    BENEFIT_INTENT,
    CONTINUE_INTENTS,
    CORRECT,
    DESCRIBE,
    LABEL_DIMS,
    PROFILE_DIMS,
    SCOPE_CLOSING_INTENTS,
    Boundary,
    Turn,
)
from keqing.learn.harvest.spans import (
    Span,
    _cue_cores,
    _merge,
    _spans_of,
    _with_degree,
    dedup_key,
    render_example,
)
from keqing.learn.masking import MaskResult, mask, mask_value
from keqing.taxonomy import VALUE_ENTITIES

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------ items


@dataclass
class Item:
    """One example to write: to harvested.yml (`labelled`) or to pending.yml."""

    turn: Turn
    intent: str
    text: str  # rendered (masked, annotated) example
    reason: str  # confirmed | corrected | low_confidence | fallback | corrected_no_span | refused
    labelled: bool
    masked: MaskResult
    correction: Optional[Dict[str, Any]] = None
    detail: str = ""

    @property
    def key(self) -> str:
        return dedup_key(self.text)

    def metadata(self) -> Dict[str, Any]:
        t = self.turn
        predicted: Dict[str, Any] = {"intent": t.intent, "confidence": round(t.confidence, 3)}
        alternatives = [
            {"intent": n, "confidence": round(c, 3)} for n, c in t.ranking[:4] if n != t.intent
        ][:3]
        if alternatives:
            predicted["alternatives"] = alternatives
        profile = {d: v for d, v in t.profile.items() if v}
        if profile:
            predicted["profile"] = {
                d: {"value": v.get("value"), "confidence": v.get("confidence"), "evidence": list(v.get("evidence") or [])}
                for d, v in profile.items()
            }
        if t.actions:
            predicted["bot_actions"] = [a for a in t.actions if a != "action_listen"][:6]
        meta: Dict[str, Any] = {"label" if self.labelled else "reason": self.reason}
        if self.detail:
            meta["detail"] = self.detail
        meta.update(
            {
                "conversation": hashlib.sha256(t.sender.encode("utf-8")).hexdigest()[:12],
                "event_id": t.event_id,
                "time": datetime.utcfromtimestamp(t.timestamp).isoformat(timespec="seconds") + "Z",
                "predicted": predicted,
            }
        )
        if self.correction:
            meta["correction"] = self.correction
        return {"harvest" if self.labelled else "review": mask_value(meta)}


def _profile_value(profile: Dict[str, Optional[Dict[str, Any]]], dim: str) -> Any:
    entry = profile.get(dim)
    return entry.get("value") if isinstance(entry, dict) else None


def _same(dim: str, a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if dim == "share":
        try:
            return abs(float(a) - float(b)) < 1e-9
        except (TypeError, ValueError):
            return str(a) == str(b)
    return str(a) == str(b)


@dataclass
class Correction:
    turn: Turn
    values: Dict[str, Any]  # dim -> corrected value
    evidence: Dict[str, List[str]]  # dim -> the correction's evidence for it


def read_correction(description: Turn, correction: Turn) -> Correction:
    """What the rep changed: the correction's `customer_profile` values that differ from the
    description's; when the NLU read none, the profile slots the correction action set."""
    from keqing.taxonomy import ENTITY_VALUES

    values: Dict[str, Any] = {}
    evidence: Dict[str, List[str]] = {}
    # dimension entities the profiler left in place (button payloads such as /correct_profile{"style_amiable": …})
    for ent in correction.entities:
        mapped = ENTITY_VALUES.get(str(ent.get("entity")))
        if mapped and mapped[0] not in values and not _same(mapped[0], mapped[1], _profile_value(description.profile, mapped[0])):
            values[mapped[0]] = mapped[1]
            start, end = ent.get("start"), ent.get("end")
            evidence[mapped[0]] = [correction.text[start:end]] if start is not None and end is not None else []
    share_ev = set((correction.profile.get("share") or {}).get("evidence") or [])
    for dim in PROFILE_DIMS:
        if dim in values:
            continue
        entry = correction.profile.get(dim)
        if not entry or entry.get("value") is None:
            continue
        ev = [str(e) for e in (entry.get("evidence") or [])]
        if dim == "stage" and ev and set(ev) <= share_ev:
            # the stage only follows from a corrected share; the share correction says it all
            if "share" in correction.profile and (correction.profile.get("share") or {}).get("value") is not None:
                continue
        if not _same(dim, entry.get("value"), _profile_value(description.profile, dim)):
            values[dim] = entry.get("value")
            evidence[dim] = ev
    if not values:
        for dim in PROFILE_DIMS:
            if dim in correction.slots and correction.slots[dim] is not None:
                if not _same(dim, correction.slots[dim], _profile_value(description.profile, dim)):
                    values[dim] = correction.slots[dim]
                    evidence[dim] = []
    return Correction(correction, values, evidence)


class Lexicon:
    """Cue phrases of the knowledge base by (dimension, value); loaded on first use."""

    def __init__(self, cues: Optional[Iterable[Any]] = None, folder: Optional[Path] = None):
        self._cues = list(cues) if cues is not None else None
        self._folder = folder

    def phrases(self, dim: str, value: str) -> List[str]:
        if self._cues is None:
            from keqing.nlu.lexicon import load_lexicon

            try:
                self._cues = load_lexicon(self._folder)
            except (OSError, yaml.YAMLError, KeyError) as exc:  # pragma: no cover - broken KB
                logger.warning("cue lexicon unavailable (%s); corrections use the rep's words only", exc)
                self._cues = []
        found = [c.phrase for c in self._cues if c.dimension == dim and c.value == value]
        return sorted(set(found), key=len, reverse=True)


class Labeller:
    """Builds the Items of one conversation."""

    def __init__(self, lexicon: Lexicon, min_confidence: float, min_profile_confidence: float):
        self.lexicon = lexicon
        self.min_confidence = min_confidence
        self.min_profile_confidence = min_profile_confidence

    # -- spans of the description -----------------------------------------------------------
    def _base_spans(self, turn: Turn, masked: MaskResult) -> Tuple[List[Span], List[Span]]:
        """(customer spans, share spans) from the parse's entities (or the share evidence)."""
        customers: List[Span] = []
        shares: List[Span] = []
        for ent in turn.entities:
            if ent.get("entity") not in ("customer", "share") or ent.get("start") is None:
                continue
            start, end = int(ent["start"]), int(ent["end"])
            mapped = masked.map_span(start, end)
            if mapped:
                (customers if ent["entity"] == "customer" else shares).append(Span(*mapped, ent["entity"]))
        if not shares:
            share_ev = (turn.profile.get("share") or {}).get("evidence") or []
            shares = _spans_of(turn.text, masked, [str(e) for e in share_ev], "share", normalised=False,
                               skip_negated=False)[:1]
        return customers, shares

    def _predicted_spans(self, turn: Turn, masked: MaskResult, dims: Iterable[str]) -> List[Span]:
        spans: List[Span] = []
        for dim in dims:
            entry = turn.profile.get(dim)
            if not entry:
                continue
            entity = VALUE_ENTITIES.get((dim, str(entry.get("value"))))
            if not entity:
                continue
            spans += _spans_of(turn.text, masked, [str(e) for e in entry.get("evidence") or []], entity,
                               normalised=False)
        return spans

    def _corrected_spans(self, turn: Turn, masked: MaskResult, dim: str, value: Any,
                         evidence: List[str]) -> List[Span]:
        entity = VALUE_ENTITIES.get((dim, str(value)))
        if not entity:
            return []
        needles: List[str] = []
        for ev in evidence:
            needles += _cue_cores(ev)
        spans = _spans_of(turn.text, masked, needles, entity, normalised=True)
        if not spans:
            spans = _spans_of(turn.text, masked, self.lexicon.phrases(dim, str(value)), entity, normalised=True)
        return [_with_degree(turn.text, masked, s) for s in spans]

    def _low_confidence(self, turn: Turn) -> str:
        if turn.confidence < self.min_confidence:
            return f"intent confidence {turn.confidence:.2f} < {self.min_confidence:.2f}"
        if turn.intent == DESCRIBE:
            weak = [
                f"{d} {float(v.get('confidence') or 0):.2f}"
                for d, v in turn.profile.items()
                if v and v.get("confidence") is not None and float(v["confidence"]) < self.min_profile_confidence
            ]
            if weak:
                return "profile confidence " + ", ".join(weak) + f" < {self.min_profile_confidence:.2f}"
        return ""

    # -- items ----------------------------------------------------------------------------------
    def review_item(self, turn: Turn, reason: str, detail: str = "", correction: Optional[Dict[str, Any]] = None) -> Item:
        masked = mask(turn.text)
        intent = BENEFIT_INTENT if turn.refused else (turn.suggested_intent or "out_of_scope")
        return Item(turn, intent, render_example(masked.text, []), reason, False, masked, correction, detail)

    def other_item(self, turn: Turn) -> Optional[Item]:
        """A message that is not a description awaiting its outcome."""
        if turn.refused:
            category = turn.compliance.get("category") or "unknown"
            return self.review_item(turn, "refused", f"compliance category: {category}")
        if turn.is_fallback:
            return self.review_item(turn, "fallback")
        why = self._low_confidence(turn)
        if why:
            return self.review_item(turn, "low_confidence", why)
        return None

    def description_item(self, turn: Turn, scope: List[Turn]) -> Optional[Item]:
        corrections = [read_correction(turn, t) for t in scope if t.intent == CORRECT and not t.is_fallback]
        masked = mask(turn.text)
        customers, shares = self._base_spans(turn, masked)
        if corrections:
            values: Dict[str, Any] = {}
            evidence: Dict[str, List[str]] = {}
            for c in corrections:  # a later correction of the same dimension wins
                values.update(c.values)
                for dim in c.values:
                    evidence[dim] = c.evidence.get(dim, [])
            info = {"messages": [c.turn.text for c in corrections], "values": dict(values)}
            if not values:
                return self.review_item(turn, "corrected_no_value", "the rep said the diagnosis is wrong, no new value", info)
            corrected: List[Span] = []
            missing: List[str] = []
            for dim in LABEL_DIMS:
                if dim not in values:
                    continue
                found = self._corrected_spans(turn, masked, dim, values[dim], evidence.get(dim, []))
                if found:
                    corrected += found
                else:
                    missing.append(f"{dim}={values[dim]}")
            if missing:
                return self.review_item(
                    turn, "corrected_no_span", "no cue for " + ", ".join(missing) + " in the text", info
                )
            kept = self._predicted_spans(turn, masked, [d for d in LABEL_DIMS if d not in values])
            spans = _merge([corrected, customers, shares, kept])
            return Item(turn, DESCRIBE, render_example(masked.text, spans), "corrected", True, masked, info)
        continued = [
            t for t in scope
            if t.intent in CONTINUE_INTENTS and not t.is_fallback and t.confidence >= self.min_confidence
        ]
        if continued:
            cues = self._predicted_spans(turn, masked, LABEL_DIMS)
            if cues or shares:
                spans = _merge([customers, shares, cues])
                return Item(turn, DESCRIBE, render_example(masked.text, spans), "confirmed", True, masked,
                            detail=f"the rep went on with {continued[0].intent}")
        return self.other_item(turn)


@dataclass
class Analysis:
    items: List[Item]
    open_from: Optional[int]  # event id of the earliest description still undecided
    waiting: int


def analyse(items: List[Union[Turn, Boundary]], labeller: Labeller, now: float, settle_seconds: float,
            last_activity: float) -> Analysis:
    """Items of one conversation; descriptions are decided when their scope is closed."""
    out: List[Item] = []
    open_from: Optional[int] = None
    waiting = 0
    idle = now - last_activity >= settle_seconds
    for i, item in enumerate(items):
        if not isinstance(item, Turn):
            continue
        turn = item
        is_description = turn.intent == DESCRIBE and not turn.is_fallback and not turn.refused
        if not is_description:
            made = labeller.other_item(turn)
            if made:
                out.append(made)
            continue
        scope: List[Turn] = []
        closed = False
        for nxt in items[i + 1 :]:
            if isinstance(nxt, Boundary):
                closed = True
                break
            if nxt.intent in SCOPE_CLOSING_INTENTS and not nxt.is_fallback:
                closed = True
                break
            scope.append(nxt)
        if not closed and not idle:
            waiting += 1
            open_from = turn.event_id if open_from is None else min(open_from, turn.event_id)
            continue
        made = labeller.description_item(turn, scope)
        if made:
            out.append(made)
    return Analysis(out, open_from, waiting)
