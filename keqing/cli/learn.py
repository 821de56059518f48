"""The learning loop's commands: `harvest`, `retrain`, `rollback`, `model current|previous|list`.

    python -m keqing harvest            # tracker store → review/pending.yml, data/harvested/nlu.yml
    python -m keqing retrain            # validate, train, gate, promote (exit 2 when refused)
    python -m keqing rollback           # serve the previous model again
    python -m keqing model current      # path of the served model (for scripts/run.sh, server.sh)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table


def register(sub: argparse._SubParsersAction) -> None:
    from keqing.learn import harvest as hv
    from keqing.learn import retrain as rt

    p = sub.add_parser("harvest", help="turn new conversation logs into review and training files")
    p.add_argument("--tracker-url", help="tracker store (default: KEQING_TRACKER_URL)")
    p.add_argument("--db-url", help="database holding the watermark (default: KEQING_DB_URL)")
    p.add_argument("--nlu-dir", type=Path, default=hv.DEFAULT_NLU_DIR, help="training data, for de-duplication")
    p.add_argument("--out", type=Path, help="labelled examples (default: <nlu-dir>/harvested/nlu.yml)")
    p.add_argument("--review", type=Path, default=hv.DEFAULT_REVIEW_PATH, help="examples to label by hand")
    p.add_argument("--heldout", type=Path, default=hv.DEFAULT_HELDOUT_DIR, help="held-out set, never harvested")
    p.add_argument("--min-confidence", type=float, default=0.6, help="intent confidence below this → review")
    p.add_argument("--min-profile-confidence", type=float, default=0.5, help="profile confidence below this → review")
    p.add_argument("--settle-minutes", type=float, default=30.0,
                   help="a description is decided after this long without a message from the rep")
    p.add_argument("--grace-seconds", type=float, default=60.0,
                   help="events younger than this are read again next time (commits still in flight)")
    p.add_argument("--dry-run", action="store_true", help="show what would be written; write nothing")
    p.add_argument("--reset", action="store_true", help="forget the watermark, read the whole tracker store")
    p.set_defaults(func=run_harvest)

    p = sub.add_parser("retrain", help="train a candidate, promote it only if it is no worse than the current model")
    p.add_argument("--tolerance", type=float, default=rt.DEFAULT_TOLERANCE,
                   help="allowed drop of any F1/accuracy (default %(default)s)")
    p.add_argument("--models-dir", type=Path, default=None)
    p.add_argument("--heldout", type=Path, default=rt.DEFAULT_HELDOUT)
    p.add_argument("--stories", type=Path, default=rt.DEFAULT_STORIES)
    p.add_argument("--no-stories", action="store_true", help="skip the story tests in the gate")
    p.add_argument("--no-validate", action="store_true", help="skip rasa data validate")
    p.add_argument("--dry-run", action="store_true", help="train and evaluate, but do not promote")
    p.set_defaults(func=run_retrain)

    p = sub.add_parser("rollback", help="serve the previous model again (swaps models/current and models/previous)")
    p.add_argument("--models-dir", type=Path, default=None)
    p.set_defaults(func=run_rollback)

    p = sub.add_parser("model", help="which model is served: current | previous | list")
    p.add_argument("which", choices=("current", "previous", "list"))
    p.add_argument("--models-dir", type=Path, default=None)
    p.add_argument("--absolute", action="store_true", help="print absolute paths")
    p.set_defaults(func=run_model)


# ------------------------------------------------------------------------------------ harvest


def _show(path: Any) -> str:
    from keqing.learn.registry import display_path

    return display_path(path) if path else ""


def harvest_table(result: Any) -> Table:  # a keqing.learn.harvest.HarvestResult
    table = Table(title="harvest" + (" (dry run: nothing written)" if result.dry_run else ""), show_header=True)
    table.add_column("")
    table.add_column("count", justify="right")
    table.add_column("where")
    table.add_row("events read", str(result.events), f"tracker {result.tracker}")
    table.add_row("user messages", str(result.user_messages), f"{result.conversations} conversations")
    for reason, label in (("confirmed", "confirmed diagnoses"), ("corrected", "corrections")):
        table.add_row(f"labelled: {label}", str(result.labelled.get(reason, 0)), _show(result.harvested_path))
    labels = {
        "low_confidence": "low confidence",
        "fallback": "fallbacks",
        "corrected_no_span": "corrected, cue not in text",
        "corrected_no_value": "corrected, no new value",
    }
    for reason, label in labels.items():
        table.add_row(f"to review: {label}", str(result.review.get(reason, 0)), _show(result.pending_path))
    skipped = {
        "training": "already in the training data",
        "harvested": "already harvested",
        "pending": "already waiting for review",
        "heldout": "in the held-out test set",
        "batch": "repeated in this harvest",
        "empty": "no text",
    }
    for source, label in skipped.items():
        if result.skipped.get(source):
            table.add_row(f"left out: {label}", str(result.skipped[source]), "")
    masked = ", ".join(f"{k} {v}" for k, v in sorted(result.masked.items())) or "none"
    table.add_row("masked", str(sum(result.masked.values())), masked)
    if result.waiting:
        table.add_row("descriptions awaiting the rep", str(result.waiting), "decided in a later harvest")
    reread = ""
    if result.last_event_id > result.watermark_after:
        reread = f"events after {result.watermark_after} are read again next time (too recent or undecided)"
    table.add_row("watermark (event id)", f"{result.watermark_before} → {result.watermark_after}", reread)
    return table


def run_harvest(args: argparse.Namespace) -> int:
    import logging

    from keqing.learn import harvest as hv

    if not getattr(args, "verbose", False):
        logging.getLogger("alembic").setLevel(logging.WARNING)
    console = Console()
    progress = Progress(
        TextColumn("[bold]reading conversations"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    task = progress.add_task("events", total=None)

    def on_progress(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    try:
        with progress:
            result = hv.harvest(
                tracker_url=args.tracker_url,
                db_url=args.db_url,
                nlu_dir=args.nlu_dir,
                harvested_path=args.out,
                pending_path=args.review,
                heldout_dir=args.heldout,
                min_confidence=args.min_confidence,
                min_profile_confidence=args.min_profile_confidence,
                settle_seconds=args.settle_minutes * 60,
                grace_seconds=args.grace_seconds,
                dry_run=args.dry_run,
                reset=args.reset,
                on_progress=on_progress,
            )
    except hv.HarvestError as exc:
        console.print(f"[bold red]harvest failed:[/bold red] {exc}")
        return 1
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    console.print(harvest_table(result))
    if result.dry_run:
        for item in result.written_labelled + result.written_review:
            console.print(f"  {'labelled' if item.labelled else 'review'} {item.intent}: {item.text}", markup=False)
    elif result.written:
        console.print(f"wrote {len(result.written_labelled)} labelled examples and "
                      f"{len(result.written_review)} to review")
    else:
        console.print("nothing new")
    return 0


# ------------------------------------------------------------------------------------ retrain & models


def run_retrain(args: argparse.Namespace) -> int:
    from keqing.learn import retrain as rt
    from keqing.learn.registry import ModelRegistry

    console = Console()
    evaluator = rt.ModelEvaluator(
        heldout_dir=args.heldout,
        stories_dir=None if args.no_stories else args.stories,
    )
    try:
        outcome = rt.retrain(
            registry=ModelRegistry(args.models_dir),
            evaluate=evaluator,
            validate=None if args.no_validate else rt.validate_data,
            tolerance=args.tolerance,
            console=console,
            dry_run=args.dry_run,
        )
    except rt.RetrainError as exc:
        console.print(f"[bold red]retrain failed, nothing promoted:[/bold red] {exc}")
        return 1
    return outcome.exit_code


def run_rollback(args: argparse.Namespace) -> int:
    from keqing.learn.registry import ModelRegistry, RegistryError, display_path

    registry = ModelRegistry(args.models_dir)
    try:
        now, before = registry.rollback()
    except RegistryError as exc:
        print(f"rollback: {exc}", file=sys.stderr)
        return 1
    print(f"now serving {display_path(now)} (was {display_path(before)}); restart the server to load it. "
          "Run rollback again to undo.")
    return 0


def run_model(args: argparse.Namespace) -> int:
    from keqing.learn.registry import ModelRegistry, display_path

    registry = ModelRegistry(args.models_dir)
    show = (lambda p: str(p.resolve())) if args.absolute else display_path
    if args.which == "list":
        current, previous = registry.current(), registry.previous()
        for model in registry.models():
            mark = " (current)" if current and model.name == current.name else ""
            mark += " (previous)" if previous and model.name == previous.name else ""
            print(show(model) + mark)
        return 0
    found = registry.current() if args.which == "current" else registry.previous()
    if found is None:
        print(f"no {args.which} model in {registry.dir}", file=sys.stderr)
        return 1
    print(show(found))
    return 0

