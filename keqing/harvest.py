"""`python -m keqing harvest`: turn new conversations in Rasa's SQL tracker store into training data.

Reads the tracker store's `events` table (Rasa's SQLTrackerStore schema: id, sender_id, type_name,
timestamp, intent_name, action_name, data = the event as JSON) with SQLAlchemy, starting after the
watermark stored for that tracker store in the KEQING_DB_URL database (table `harvest_watermarks`,
Alembic revision 0003), and appends

- to `data/nlu/harvested.yml`: describe_customer examples the reps labelled themselves
  - *confirmed*: the bot diagnosed a description, the rep went on (ask_next_step / ask_strategy /
    affirm) and did not correct it: the profile's evidence spans are annotated with the predicted values;
  - *corrected*: the rep corrected the diagnosis (correct_profile; the new value is in that message's
    `customer_profile`, or in the slots the correction action set): the original description is
    annotated with the corrected value where its cue is known (the correction's evidence, or a cue of
    the corrected value from the knowledge base's lexicon, found un-negated in the description); the
    spans the model read as the rejected value are dropped;
- to `data/review/pending.yml`: messages for a person to label, each with what the model predicted:
  low intent or profile confidence, fallbacks, and corrected descriptions whose cue for the corrected
  value is not in the text.

Both files are Rasa NLU training data (`version: "3.1"`, examples with `metadata`), so they pass
`rasa data validate` with the project's domain; pending.yml lives outside data/nlu and is not trained
on until a person has labelled the examples and moved them.

Before anything is written, texts (and every string in the metadata) are masked (`keqing.masking`);
annotation spans are computed on the masked text. Examples whose text (normalised, punctuation
ignored) is already in data/nlu, in pending.yml or in the held-out evaluation set (tests/nlu) are left
out. A description is decided only when its scope is closed (the rep's next description,
switch_customer, a new session, or `settle_seconds` without a message from that rep); the watermark
never passes an undecided description nor events younger than `grace_seconds`, so nothing is lost and
a rescan writes nothing twice.

No Rasa import: this runs without loading TensorFlow.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

import yaml
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, func, inspect, select
from sqlalchemy.engine import Engine, make_url

from keqing import config
from keqing.masking import MaskResult, mask, mask_value
from keqing.taxonomy import VALUE_ENTITIES
from keqing.text import normalize

logger = logging.getLogger(__name__)

ROOT = config.REPO_ROOT
DEFAULT_NLU_DIR = ROOT / "data" / "nlu"
HARVESTED_NAME = "harvested.yml"
DEFAULT_REVIEW_PATH = ROOT / "data" / "review" / "pending.yml"
DEFAULT_HELDOUT_DIR = ROOT / "tests" / "nlu"

DESCRIBE = "describe_customer"
CORRECT = "correct_profile"
CONTINUE_INTENTS = frozenset({"ask_next_step", "ask_strategy", "affirm"})
SCOPE_CLOSING_INTENTS = frozenset({DESCRIBE, "switch_customer", "list_customers"})
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset(
    {"action_default_fallback", "utter_default", "utter_please_rephrase", "action_two_stage_fallback"}
)
BOUNDARY_EVENTS = frozenset({"session_started", "restart"})
LABEL_DIMS = ("style", "motive", "grade", "stage")  # dimensions annotated as cue entities
PROFILE_DIMS = ("style", "motive", "stage", "grade", "share")

# Degree words around a cue in a correction ("他其实挺随和的" → 随和).
_DEGREE_PREFIX = re.compile(r"^(?:其实|真的|确实|还挺|还算|挺|很|特别|非常|比较|蛮|太|超|真|十分|相当|极其|最|更|有点儿?|有些|是个|是)")
_DEGREE_SUFFIX = re.compile(r"(?:的人|的|了|啊|呢|吧|哦)$")

# Rasa's annotation syntax `[text](entity)`; used to read existing examples as plain text.
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+?)\](?:\([^)]*\)|\{[^}]*\}|\[[^\]]*\])")
_ANNOTATION_CHARS = {"(": "\uff08", "{": "\uff5b", "[": "\uff3b"}  # full-width (｛［

HARVESTED_HEADER = """\
# Training examples labelled by the reps themselves (a confirmed diagnosis, or a correction of one),
# appended by `python -m keqing harvest` from the conversation logs; see docs/retraining.md.
# Texts are masked ([电话] [邮箱] [证件号] [卡号] [金额]); `metadata.harvest` says where each came from.
# Check them like any other training data; delete what is wrong. `python -m keqing retrain` trains on them.
version: "3.1"
nlu:
"""

PENDING_HEADER = """\
# Messages waiting for a person to label, appended by `python -m keqing harvest`; see docs/retraining.md.
# NOT training data: each example sits under the intent the model suggested, `metadata.review` says why it
# is here and what the model predicted. Fix the intent, annotate the cue spans (docs/conventions.md),
# move the example into a file under data/nlu/, and delete it here.
version: "3.1"
nlu:
"""

# ------------------------------------------------------------------------------------------ tracker


def _events_table() -> Table:
    """Rasa's SQLTrackerStore `events` table (rasa/core/tracker_store.py, SQLEvent)."""
    return Table(
        "events",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("sender_id", String(255)),
        Column("type_name", String(255)),
        Column("timestamp", Float),
        Column("intent_name", String(255)),
        Column("action_name", String(255)),
        Column("data", Text),
    )


EVENTS = _events_table()


def display_url(url: str) -> str:
    """The URL with the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL: show as given
        return url


def tracker_key(url: str) -> str:
    return hashlib.sha256(display_url(url).encode("utf-8")).hexdigest()


def _tracker_exists(url: str) -> bool:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if not db or db == ":memory:" or db.startswith("file:"):
            return True
        return Path(db).exists()
    return True


@dataclass
class EventRow:
    id: int
    sender: str
    type_name: str
    timestamp: float
    data: Dict[str, Any]


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


# ------------------------------------------------------------------------------------------ spans


@dataclass(frozen=True)
class Span:
    start: int  # in the masked text
    end: int
    entity: str


def _occurrences(haystack: str, needle: str) -> List[int]:
    out, pos = [], haystack.find(needle) if needle else -1
    while pos >= 0:
        out.append(pos)
        pos = haystack.find(needle, pos + 1)
    return out


def _negated(norm: str, start: int) -> bool:
    from keqing.scoring import negated

    return negated(norm, start)


def _cue_cores(evidence: str) -> List[str]:
    """The evidence and the evidence without degree words around it ("挺随和的" → "随和")."""
    out = [normalize(evidence).strip()]
    core = out[0]
    for _ in range(3):
        core = _DEGREE_SUFFIX.sub("", _DEGREE_PREFIX.sub("", core)).strip()
    if core and core not in out:
        out.append(core)
    return [c for c in out if len(c) >= 2]


_DEGREE_BEFORE = re.compile(r"(?:很|挺|特别|非常|比较|蛮|太|超|真|十分|相当)$")


def _with_degree(text: str, masked: MaskResult, span: Span) -> Span:
    """Include a degree word right before the cue, as the training data does ("看着[很随和]")."""
    m = _DEGREE_BEFORE.search(masked.text[: span.start])
    if m and not _negated(normalize(masked.text), m.start()):
        return Span(m.start(), span.end, span.entity)
    return span


def _spans_of(text: str, masked: MaskResult, needles: Iterable[str], entity: str, normalised: bool,
              skip_negated: bool = True) -> List[Span]:
    """Spans (masked-text offsets) of every un-negated occurrence of the needles in `text`."""
    hay = normalize(text) if normalised else text
    norm = normalize(text)
    spans: List[Span] = []
    for needle in needles:
        if not needle or not needle.strip():
            continue
        for start in _occurrences(hay, needle):
            end = start + len(needle)
            if skip_negated and _negated(norm, start):
                continue
            mapped = masked.map_span(start, end)
            if mapped and not any(s.start < mapped[1] and s.end > mapped[0] for s in spans):
                spans.append(Span(mapped[0], mapped[1], entity))
    return spans


def _merge(groups: Sequence[List[Span]]) -> List[Span]:
    """Spans from groups in priority order; a span overlapping an earlier one is dropped."""
    taken: List[Span] = []
    for group in groups:
        for s in group:
            if s.end > s.start and not any(t.start < s.end and t.end > s.start for t in taken):
                taken.append(s)
    return sorted(taken, key=lambda s: s.start)


def _sanitize(plain: str) -> str:
    """Plain text must not read as annotation: `](` `]{` `][` get a full-width bracket."""
    return re.sub(r"\]([({\[])", lambda m: "]" + _ANNOTATION_CHARS[m.group(1)], plain)


def render_example(text: str, spans: Sequence[Span]) -> str:
    """Rasa's inline annotation: `[说一不二](style_dominant)`."""
    out, pos = [], 0
    for s in sorted(spans, key=lambda s: s.start):
        piece = text[s.start : s.end]
        if s.start < pos or not piece.strip() or any(c in piece for c in "[]()\n"):
            continue
        out.append(_sanitize(text[pos : s.start]))
        out.append(f"[{piece}]({s.entity})")
        pos = s.end
    out.append(_sanitize(text[pos:]))
    return "".join(out).strip()


def plain_text(example: str) -> str:
    """An annotated example as the text the model sees."""
    return _ANNOTATION.sub(lambda m: m.group("text"), example)


def dedup_key(text: str) -> str:
    """Same example = same characters after normalisation, ignoring case, spaces and punctuation."""
    return "".join(ch for ch in normalize(plain_text(text)).lower() if ch.isalnum())


# ------------------------------------------------------------------------------------------ items


@dataclass
class Item:
    """One example to write: to harvested.yml (`labelled`) or to pending.yml."""

    turn: Turn
    intent: str
    text: str  # rendered (masked, annotated) example
    reason: str  # confirmed | corrected | low_confidence | fallback | corrected_no_span
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
            from keqing.lexicon import load_lexicon

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
        intent = turn.suggested_intent or "out_of_scope"
        return Item(turn, intent, render_example(masked.text, []), reason, False, masked, correction, detail)

    def other_item(self, turn: Turn) -> Optional[Item]:
        """A message that is not a description awaiting its outcome."""
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
        is_description = turn.intent == DESCRIBE and not turn.is_fallback
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


# ------------------------------------------------------------------------------------------ files


def nlu_examples(doc: Any) -> Iterable[Tuple[str, str]]:
    """(intent, example text) of a Rasa NLU YAML document."""
    if not isinstance(doc, dict):
        return
    for block in doc.get("nlu") or []:
        if not isinstance(block, dict) or "intent" not in block:
            continue
        examples = block.get("examples")
        if isinstance(examples, str):
            for line in examples.splitlines():
                line = line.strip()
                if line.startswith("- "):
                    yield str(block["intent"]), line[2:].strip()
        elif isinstance(examples, list):
            for ex in examples:
                if isinstance(ex, dict) and ex.get("text"):
                    yield str(block["intent"]), str(ex["text"]).strip()
                elif isinstance(ex, str):
                    yield str(block["intent"]), ex.strip()


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise HarvestError(f"{path}: not valid YAML ({exc})") from exc


class HarvestError(RuntimeError):
    """The harvest cannot run (unreadable files, unreachable databases)."""


@dataclass
class KnownTexts:
    """Dedup keys of every example already somewhere, by where it is."""

    where: Dict[str, str] = field(default_factory=dict)

    def add(self, text: str, source: str) -> None:
        key = dedup_key(text)
        if key:
            self.where.setdefault(key, source)

    def source(self, key: str) -> Optional[str]:
        return self.where.get(key)


def known_texts(nlu_dir: Path, harvested: Path, pending: Path, heldout_dir: Optional[Path]) -> KnownTexts:
    known = KnownTexts()
    for path, source in ((harvested, "harvested"), (pending, "pending")):
        if path.exists():
            for _intent, text in nlu_examples(_load_yaml(path)):
                known.add(text, source)
    if nlu_dir.is_dir():
        for path in sorted([*nlu_dir.rglob("*.yml"), *nlu_dir.rglob("*.yaml")]):
            if path.resolve() == harvested.resolve():
                continue
            for _intent, text in nlu_examples(_load_yaml(path)):
                known.add(text, "training")
    if heldout_dir and Path(heldout_dir).is_dir():
        desc = Path(heldout_dir) / "descriptions.yml"
        if desc.exists():
            for item in (_load_yaml(desc) or {}).get("items") or []:
                if isinstance(item, dict) and item.get("text"):
                    known.add(str(item["text"]), "heldout")
        for path in sorted(Path(heldout_dir).glob("*.yml")):
            if path.name != "descriptions.yml":
                for _intent, text in nlu_examples(_load_yaml(path)):
                    known.add(text, "heldout")
    return known


def _blocks_yaml(items: List[Item], banner: str) -> str:
    by_intent: Dict[str, List[Item]] = {}
    for item in items:
        by_intent.setdefault(item.intent, []).append(item)
    blocks = [
        {"intent": intent, "examples": [{"text": it.text, "metadata": it.metadata()} for it in group]}
        for intent, group in by_intent.items()
    ]
    body = yaml.safe_dump(blocks, allow_unicode=True, sort_keys=False, width=100_000, default_flow_style=False)
    return f"# {banner}\n{body}"


def append_examples(path: Path, header: str, items: List[Item], banner: str) -> None:
    """Append intent blocks to the `nlu:` list of a Rasa NLU file (created with `header` if needed).

    Existing content is kept byte for byte; `nlu:` must be the file's last key."""
    chunk = _blocks_yaml(items, banner)
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    doc = yaml.safe_load(existing) if existing.strip() else None
    if doc is None or (isinstance(doc, dict) and not doc.get("nlu") and "nlu" in doc and len(doc) <= 2):
        text = header + chunk
    else:
        if not isinstance(doc, dict) or "nlu" not in doc or list(doc)[-1] != "nlu" or not isinstance(doc["nlu"], list):
            raise HarvestError(f"{path}: cannot append, `nlu:` must be the last key and a list")
        text = existing + ("" if existing.endswith("\n") else "\n") + chunk
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


# ------------------------------------------------------------------------------------------ watermark


class WatermarkStore:
    """`harvest_watermarks` in the KEQING_DB_URL database (migrated to head on first use)."""

    def __init__(self, db_url: Optional[str] = None):
        from keqing.db import get_engine, migrate
        from keqing.db.errors import KeqingDBError
        from keqing.db.harvest_models import HarvestWatermark

        self.url = db_url or config.db_url()
        try:
            migrate(self.url)
        except KeqingDBError as exc:
            raise HarvestError(f"watermark database {display_url(self.url)}: {exc}") from exc
        self.engine = get_engine(self.url)
        self.table = HarvestWatermark.__table__

    def get(self, tracker_url: str) -> Tuple[int, Optional[float]]:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(self.table.c.last_event_id, self.table.c.last_event_timestamp).where(
                    self.table.c.tracker_key == tracker_key(tracker_url)
                )
            ).first()
        return (int(row[0]), row[1]) if row else (0, None)

    def set(self, tracker_url: str, event_id: int, timestamp: Optional[float]) -> None:
        key = tracker_key(tracker_url)
        values = {
            "tracker_url": display_url(tracker_url)[:500],
            "last_event_id": int(event_id),
            "last_event_timestamp": timestamp,
            "harvested_at": datetime.utcnow(),
        }
        with self.engine.begin() as conn:
            done = conn.execute(self.table.update().where(self.table.c.tracker_key == key).values(**values))
            if not done.rowcount:
                conn.execute(self.table.insert().values(tracker_key=key, **values))

    def reset(self, tracker_url: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.table.delete().where(self.table.c.tracker_key == tracker_key(tracker_url)))


# ------------------------------------------------------------------------------------------ harvest


@dataclass
class HarvestResult:
    tracker: str
    watermark_before: int
    watermark_after: int
    events: int = 0
    last_event_id: int = 0  # the newest event read
    user_messages: int = 0
    conversations: int = 0
    labelled: Dict[str, int] = field(default_factory=dict)  # confirmed / corrected
    review: Dict[str, int] = field(default_factory=dict)  # reason -> count
    skipped: Dict[str, int] = field(default_factory=dict)  # training / harvested / pending / heldout / batch
    waiting: int = 0
    masked: Dict[str, int] = field(default_factory=dict)  # kind -> count (in written examples)
    harvested_path: Optional[Path] = None
    pending_path: Optional[Path] = None
    written_labelled: List[Item] = field(default_factory=list)
    written_review: List[Item] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def written(self) -> int:
        return len(self.written_labelled) + len(self.written_review)


ProgressCallback = Callable[[int, int], None]  # (events done, events total)


# the event types the harvest looks at (bot utterances and the rest are not read)
READ_TYPES = ("user", "action", "slot", "rewind", *sorted(BOUNDARY_EVENTS))


def _slim(data: Dict[str, Any]) -> Dict[str, Any]:
    """Only what the harvest uses, so that a big first harvest fits in memory."""
    out = {k: data[k] for k in ("event", "text", "timestamp", "name", "value") if k in data}
    parse = data.get("parse_data")
    if isinstance(parse, dict):
        out["parse_data"] = {
            "text": parse.get("text"),
            "intent": parse.get("intent"),
            "entities": [e for e in (parse.get("entities") or []) if isinstance(e, dict)
                         and (e.get("entity") in ("customer", "share") or e.get("entity") in VALUE_ENTITIES.values())],
            "intent_ranking": (parse.get("intent_ranking") or [])[:5],
            "customer_profile": parse.get("customer_profile"),
        }
    return out


def _read_rows(engine: Engine, after_id: int, on_progress: Optional[ProgressCallback]) -> List[EventRow]:
    where = (EVENTS.c.id > after_id) & EVENTS.c.type_name.in_(READ_TYPES)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(EVENTS).where(where)).scalar_one()
        if on_progress:
            on_progress(0, total)
        result = conn.execution_options(stream_results=True).execute(
            select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
            .where(where)
            .order_by(EVENTS.c.id)
        )
        rows: List[EventRow] = []
        while True:
            chunk = result.fetchmany(500)
            if not chunk:
                break
            for r in chunk:
                try:
                    data = _slim(json.loads(r.data)) if r.data else {}
                except (ValueError, TypeError, AttributeError):
                    data = {}
                rows.append(EventRow(int(r.id), str(r.sender_id), str(r.type_name), float(r.timestamp or 0.0), data))
            if on_progress:
                on_progress(len(rows), total)
        return rows


def _event_timestamp(engine: Engine, event_id: int) -> Optional[Tuple[float]]:
    with engine.connect() as conn:
        row = conn.execute(select(EVENTS.c.timestamp).where(EVENTS.c.id == event_id)).first()
    return (float(row[0] or 0.0),) if row else None


def harvest(
    tracker_url: Optional[str] = None,
    db_url: Optional[str] = None,
    nlu_dir: Path = DEFAULT_NLU_DIR,
    harvested_path: Optional[Path] = None,
    pending_path: Path = DEFAULT_REVIEW_PATH,
    heldout_dir: Optional[Path] = DEFAULT_HELDOUT_DIR,
    min_confidence: float = 0.6,
    min_profile_confidence: float = 0.5,
    settle_seconds: float = 1800.0,
    grace_seconds: float = 60.0,
    now: Optional[float] = None,
    lexicon: Optional[Lexicon] = None,
    dry_run: bool = False,
    reset: bool = False,
    on_progress: Optional[ProgressCallback] = None,
) -> HarvestResult:
    """Harvest the tracker store at `tracker_url` (default KEQING_TRACKER_URL) since the watermark."""
    import time

    tracker_url = tracker_url or config.tracker_url()
    nlu_dir = Path(nlu_dir)
    harvested_path = Path(harvested_path or nlu_dir / HARVESTED_NAME)
    pending_path = Path(pending_path)
    now = time.time() if now is None else now

    store = WatermarkStore(db_url)
    if reset and not dry_run:
        store.reset(tracker_url)
    before, before_ts = (0, None) if reset else store.get(tracker_url)
    result = HarvestResult(display_url(tracker_url), before, before, dry_run=dry_run,
                           harvested_path=harvested_path, pending_path=pending_path)

    if not _tracker_exists(tracker_url):
        result.notes.append("the tracker store does not exist yet: no conversations to harvest")
        return result
    from keqing.db import get_engine

    engine = get_engine(tracker_url)
    try:
        if not inspect(engine).has_table("events"):
            result.notes.append("the tracker store has no `events` table yet: no conversations to harvest")
            return result
        if before:
            seen = _event_timestamp(engine, before)
            if seen is None or (before_ts is not None and abs(seen[0] - before_ts) > 1e-3):
                result.notes.append(
                    f"event {before} (the watermark) is gone or changed: the tracker store was replaced; reading it from the start"
                )
                before = result.watermark_before = 0
        rows = _read_rows(engine, before, on_progress)
    except HarvestError:
        raise
    except Exception as exc:  # noqa: BLE001 - report database problems as such
        raise HarvestError(f"cannot read the tracker store {display_url(tracker_url)}: {exc}") from exc

    result.events = len(rows)
    result.last_event_id = rows[-1].id if rows else before
    by_sender: Dict[str, List[EventRow]] = {}
    for row in rows:
        by_sender.setdefault(row.sender, []).append(row)
    result.conversations = len(by_sender)

    labeller = Labeller(lexicon or Lexicon(), min_confidence, min_profile_confidence)
    candidates: List[Item] = []
    pin: Optional[int] = None  # the watermark must stay below this event id
    for sender, sender_rows in by_sender.items():
        items = conversation_items(sender_rows)
        result.user_messages += sum(1 for i in items if isinstance(i, Turn))
        last_activity = max(r.timestamp for r in sender_rows)
        analysis = analyse(items, labeller, now, settle_seconds, last_activity)
        candidates += analysis.items
        result.waiting += analysis.waiting
        if analysis.open_from is not None:
            pin = analysis.open_from if pin is None else min(pin, analysis.open_from)
    recent = [r.id for r in rows if r.timestamp > now - grace_seconds]
    if recent:
        pin = min(recent) if pin is None else min(pin, min(recent))

    known = known_texts(nlu_dir, harvested_path, pending_path, heldout_dir)
    batch: Set[str] = set()
    for item in sorted(candidates, key=lambda i: i.turn.event_id):
        key = item.key
        source = known.source(key) if key else "empty"
        if source or key in batch:
            name = source or "batch"
            result.skipped[name] = result.skipped.get(name, 0) + 1
            continue
        batch.add(key)
        if item.labelled:
            result.written_labelled.append(item)
            result.labelled[item.reason] = result.labelled.get(item.reason, 0) + 1
        else:
            result.written_review.append(item)
            result.review[item.reason] = result.review.get(item.reason, 0) + 1
        for kind, n in item.masked.kinds().items():
            result.masked[kind] = result.masked.get(kind, 0) + n

    eligible = [r for r in rows if pin is None or r.id < pin]
    if eligible:
        result.watermark_after = eligible[-1].id
        after_ts = eligible[-1].timestamp
    else:
        result.watermark_after, after_ts = before, before_ts

    if dry_run:
        return result
    stamp = datetime.utcnow().isoformat(timespec="seconds") + "Z"
    banner = f"harvest {stamp}: tracker {result.tracker}, events {before + 1}..{rows[-1].id if rows else before}"
    if result.written_labelled:
        append_examples(harvested_path, HARVESTED_HEADER, result.written_labelled, banner)
    if result.written_review:
        append_examples(pending_path, PENDING_HEADER, result.written_review, banner)
    if result.watermark_after != before or before_ts is None:
        store.set(tracker_url, result.watermark_after, after_ts)
    return result
