"""harvest(): read new events, rebuild conversations, label, mask, de-duplicate, write, move the watermark."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import (
    Dict,
    List,
    Optional,
    Set,
)

from sqlalchemy import (
    inspect,
)

from keqing import settings as config
from keqing.learn.harvest.conversation import (
    DEFAULT_HELDOUT_DIR,
    DEFAULT_NLU_DIR,
    DEFAULT_REVIEW_PATH,
    HARVESTED_NAME,
    Turn,
    conversation_items,
)
from keqing.learn.harvest.labelling import Item, Labeller, Lexicon, analyse
from keqing.learn.harvest.spans import dedup_key
from keqing.learn.harvest.tracker import (
    EventRow,
    ProgressCallback,
    _event_timestamp,
    _read_rows,
    _tracker_exists,
    display_url,
)
from keqing.learn.harvest.watermark import WatermarkStore
from keqing.learn.harvest.writing import (
    HARVESTED_HEADER,
    PENDING_HEADER,
    HarvestError,
    append_examples,
    known_texts,
)

logger = logging.getLogger(__name__)

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
    for sender_rows in by_sender.values():
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
        # known as typed (training data is not pseudonymised) or as written
        source = (known.source(key) or known.source(dedup_key(item.masked.original))) if key else "empty"
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
        result.watermark_after = before
        after_ts = before_ts  # type: ignore[assignment]

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
