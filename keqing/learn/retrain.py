"""`python -m keqing retrain`: validate the data, train a candidate, promote it only if it is no worse.

Gate: the candidate and the current model are evaluated on the same held-out NLU set (tests/nlu, with
`keqing.learn.evaluation.evaluate`) and the same test stories (`rasa test core --stories tests/stories`). The
candidate is promoted only if

- macro-F1 of each profile dimension (style, motive, stage, grade), intent macro-F1 and share accuracy
  (±5 points) are each at least the current model's minus `tolerance` (default 0.01), and
- it fails no more test stories, and finds no more evidence strings outside the text, than the current model.

Promotion moves `models/current` to the candidate and keeps the old model in `models/previous`
(`python -m keqing rollback` swaps them back; see keqing.learn.registry). A refused candidate stays in
models/ but is not served.

Trainer, evaluator and validator are plain callables, injected into `retrain()`; the defaults really
run `scripts/train.sh` (`rasa train`), load the models with Rasa and run `rasa test core`. Rasa is
imported only inside those defaults.
"""
from __future__ import annotations

import gc
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from rich.console import Console
from rich.table import Table

from keqing import settings as config
from keqing.learn import evaluation as ev
from keqing.learn.models import model_parser
from keqing.learn.registry import ModelRegistry, display_path

logger = logging.getLogger(__name__)

ROOT = config.REPO_ROOT
DEFAULT_TOLERANCE = 0.01
DEFAULT_HELDOUT = ROOT / "tests" / "nlu"
DEFAULT_STORIES = ROOT / "tests" / "stories"

# metric key -> how it is shown; all "higher is better", gated with the tolerance
GATED_METRICS: Dict[str, str] = {
    "style": "style macro-F1",
    "motive": "motive macro-F1",
    "stage": "stage macro-F1",
    "grade": "grade macro-F1",
    "intent": "intent macro-F1",
    "share": f"share accuracy (±{ev.SHARE_TOLERANCE})",
}


class RetrainError(RuntimeError):
    """Validation, training or evaluation failed; nothing was promoted."""


@dataclass
class StoryResult:
    failed: int
    total: int


@dataclass
class Scores:
    model: str
    metrics: Dict[str, float]
    stories: Optional[StoryResult] = None
    evidence_violations: int = 0


def scores_from_report(model: str, report: ev.Report, stories: Optional[StoryResult]) -> Scores:
    metrics = {d: report.dim_macro[d] for d in ev.PROFILE_DIMS}
    metrics["intent"] = report.intent_macro if report.intent_macro is not None else 0.0
    metrics["share"] = report.share_accuracy
    return Scores(model, metrics, stories, len(report.evidence_violations))


@dataclass
class GateRow:
    label: str
    current: Optional[float]
    candidate: float
    ok: bool
    rule: str
    integer: bool = False

    @property
    def delta(self) -> Optional[float]:
        return None if self.current is None else self.candidate - self.current


@dataclass
class GateDecision:
    promote: bool
    tolerance: float
    rows: List[GateRow] = field(default_factory=list)
    reasons: List[str] = field(default_factory=list)


def gate(current: Optional[Scores], candidate: Scores, tolerance: float = DEFAULT_TOLERANCE) -> GateDecision:
    """Promote only if no metric is worse than the current model's beyond `tolerance`."""
    decision = GateDecision(True, tolerance)
    for key, label in GATED_METRICS.items():
        cand = float(candidate.metrics.get(key, 0.0))
        cur = None if current is None else float(current.metrics.get(key, 0.0))
        ok = cur is None or cand >= cur - tolerance - 1e-12
        decision.rows.append(GateRow(label, cur, cand, ok, f"≥ current − {tolerance:g}"))
        if not ok:
            decision.reasons.append(f"{label} {cand:.3f} < {cur:.3f} − {tolerance:g}")
    if candidate.stories is not None:
        cur_failed = None if current is None or current.stories is None else current.stories.failed
        ok = cur_failed is None or candidate.stories.failed <= cur_failed
        decision.rows.append(
            GateRow(f"failed test stories (of {candidate.stories.total})", cur_failed, candidate.stories.failed, ok,
                    "≤ current", integer=True)
        )
        if not ok:
            decision.reasons.append(f"{candidate.stories.failed} test stories fail, {cur_failed} with the current model")
    cur_ev = None if current is None else current.evidence_violations
    ok = cur_ev is None or candidate.evidence_violations <= cur_ev
    decision.rows.append(GateRow("evidence not in the text", cur_ev, candidate.evidence_violations, ok, "≤ current",
                                 integer=True))
    if not ok:
        decision.reasons.append(f"{candidate.evidence_violations} evidence strings outside the text (current: {cur_ev})")
    decision.promote = not decision.reasons
    return decision


def decision_table(decision: GateDecision, current: Optional[str], candidate: str) -> Table:
    table = Table(title=f"retrain gate (tolerance {decision.tolerance:g})", show_lines=False)
    table.add_column("metric")
    table.add_column(f"current\n{current or '(none)'}", justify="right")
    table.add_column(f"candidate\n{candidate}", justify="right")
    table.add_column("Δ", justify="right")
    table.add_column("rule")
    table.add_column("", justify="center")
    for row in decision.rows:
        fmt = (lambda v: "—" if v is None else str(int(v))) if row.integer else (lambda v: "—" if v is None else f"{v:.3f}")
        delta = row.delta
        delta_s = "" if delta is None else (f"{delta:+.0f}" if row.integer else f"{delta:+.3f}")
        table.add_row(row.label, fmt(row.current), fmt(row.candidate), delta_s, row.rule,
                      "[green]ok[/green]" if row.ok else "[bold red]worse[/bold red]")
    return table


# ------------------------------------------------------------------------------------ real defaults


def _rasa_bin() -> str:
    candidate = Path(sys.executable).parent / "rasa"
    return str(candidate) if candidate.exists() else "rasa"


def _env() -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    return env


def validate_data(root: Path = ROOT) -> None:
    """`rasa data validate --fail-on-warnings` over data/ (as make test)."""
    cmd = [_rasa_bin(), "data", "validate", "--fail-on-warnings", "--domain", "domain.yml",
           "--data", "data"]
    proc = subprocess.run(cmd, cwd=str(root), env=_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stdout + proc.stderr).splitlines()
                 if "UserWarning" in ln or "rror" in ln or "Issue" in ln]
        raise RetrainError("rasa data validate failed:\n" + "\n".join(lines[-30:]))


def train_candidate(root: Path = ROOT) -> Path:
    """`scripts/train.sh`: `rasa train` into models/keqing-<fingerprint>.tar.gz (reused when a model of
    identical inputs exists). Training output goes to stderr."""
    proc = subprocess.run(["bash", "scripts/train.sh"], cwd=str(root), env=_env(), stdout=subprocess.PIPE,
                          text=True)
    lines = [ln.strip() for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode != 0 or not lines:
        raise RetrainError(f"training failed (scripts/train.sh exit {proc.returncode})")
    model = Path(lines[-1])
    return model if model.is_absolute() else root / model


def count_stories(stories_dir: Path) -> int:
    return sum(
        sum(1 for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip().startswith("- story:"))
        for p in sorted(Path(stories_dir).rglob("*.yml"))
    )


def run_story_tests(model: Path, stories_dir: Path = DEFAULT_STORIES) -> StoryResult:
    """`rasa test core --stories tests/stories`; failures counted from failed_test_stories.yml."""
    with tempfile.TemporaryDirectory(prefix="keqing-stories-") as out:
        cmd = [_rasa_bin(), "test", "core", "--model", str(model), "--stories", str(stories_dir),
               "--out", out, "--no-plot"]
        proc = subprocess.run(cmd, cwd=str(ROOT), env=_env(), capture_output=True, text=True)
        failed_file = Path(out) / "failed_test_stories.yml"
        if proc.returncode != 0 or not failed_file.exists():
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-20:])
            raise RetrainError(f"rasa test core failed for {model.name}:\n{tail}")
        text = failed_file.read_text(encoding="utf-8")
        failed = 0 if "None of the test stories failed" in text else sum(
            1 for ln in text.splitlines() if ln.strip().startswith("- story:")
        )
    return StoryResult(failed, count_stories(stories_dir))


class ModelEvaluator:
    """Evaluates a model file: held-out NLU set + test stories. Parser and story runner are injectable."""

    def __init__(
        self,
        heldout_dir: Path = DEFAULT_HELDOUT,
        stories_dir: Optional[Path] = DEFAULT_STORIES,
        parser_factory: Callable[[Path], ev.Parser] = model_parser,
        story_runner: Optional[Callable[[Path, Path], StoryResult]] = run_story_tests,
    ):
        self.heldout_dir = Path(heldout_dir)
        self.stories_dir = Path(stories_dir) if stories_dir else None
        self.parser_factory = parser_factory
        self.story_runner = story_runner
        self._examples: Optional[List[ev.Example]] = None

    def __call__(self, model: Path) -> Scores:
        if self._examples is None:
            self._examples = ev.load_heldout(self.heldout_dir)
        parse = self.parser_factory(Path(model))
        try:
            report = ev.evaluate(Path(model).name, self._examples, parse)
        finally:
            del parse
            gc.collect()
        stories = None
        if self.story_runner is not None and self.stories_dir is not None:
            stories = self.story_runner(Path(model), self.stories_dir)
        return scores_from_report(Path(model).name, report, stories)


# ------------------------------------------------------------------------------------ the loop


@dataclass
class RetrainOutcome:
    status: str  # promoted | refused | unchanged | dry-run
    current: Optional[Path]
    candidate: Optional[Path]
    decision: Optional[GateDecision] = None
    current_scores: Optional[Scores] = None
    candidate_scores: Optional[Scores] = None

    @property
    def exit_code(self) -> int:
        return 2 if self.status == "refused" else 0


def retrain(
    registry: Optional[ModelRegistry] = None,
    train: Callable[[], Path] = train_candidate,
    evaluate: Optional[Callable[[Path], Scores]] = None,
    validate: Optional[Callable[[], None]] = validate_data,
    tolerance: float = DEFAULT_TOLERANCE,
    console: Optional[Console] = None,
    dry_run: bool = False,
) -> RetrainOutcome:
    """Validate, train, evaluate both models, print the table, promote if the gate passes."""
    registry = registry or ModelRegistry()
    evaluate = evaluate or ModelEvaluator()
    console = console or Console()

    if validate is not None:
        with console.status("validating the training data (rasa data validate)…"):
            validate()
        console.print("[green]✓[/green] training data valid")

    current = registry.current() if dry_run else registry.pin()
    console.print(f"current model: {display_path(current) if current else '(none)'}")

    with console.status("training the candidate (rasa train; minutes)…"):
        candidate = Path(train())
    console.print(f"candidate model: {display_path(candidate)}")
    if current is not None and candidate.resolve() == current.resolve():
        console.print("The candidate is the current model (its inputs are unchanged): nothing to do.")
        return RetrainOutcome("unchanged", current, candidate)

    with console.status(f"evaluating the candidate {candidate.name}…"):
        cand_scores = evaluate(candidate)
    cur_scores = None
    if current is not None:
        with console.status(f"evaluating the current model {current.name}…"):
            cur_scores = evaluate(current)

    decision = gate(cur_scores, cand_scores, tolerance)
    console.print(decision_table(decision, current.name if current else None, candidate.name))
    outcome = RetrainOutcome("refused", current, candidate, decision, cur_scores, cand_scores)
    if not decision.promote:
        console.print("[bold red]Candidate refused[/bold red]: " + "; ".join(decision.reasons))
        console.print(f"The current model stays {display_path(current) if current else '(none)'}; "
                      f"the candidate is kept at {display_path(candidate)} but not served.")
        return outcome
    if dry_run:
        console.print("[yellow]Dry run[/yellow]: the candidate would be promoted; nothing changed.")
        outcome.status = "dry-run"
        return outcome
    previous, now = registry.promote(candidate)
    outcome.status = "promoted"
    console.print(f"[bold green]Promoted[/bold green] {display_path(now)}"
                  + (f"; previous model kept: {display_path(previous)} (undo: python -m keqing rollback)"
                     if previous else " (first model)"))
    return outcome
