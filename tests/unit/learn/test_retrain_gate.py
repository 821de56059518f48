"""The retrain gate: a worse candidate is refused and the current model stays; a no-worse one is
promoted and can be rolled back.

The trainer and the model parsers are fakes (no minutes of `rasa train`), but the evaluation is the
real one: `keqing.learn.evaluation.evaluate` over the real held-out set (tests/nlu), through
`keqing.learn.retrain.ModelEvaluator`. The "models" are parsers that answer from the gold labels, the worse
one misreads a third of the styles.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest
from rich.console import Console

from keqing.learn import evaluation as ev
from keqing.learn import retrain as rt
from keqing.learn.registry import ModelRegistry, RegistryError

REPO = Path(__file__).resolve().parents[3]
HELDOUT = REPO / "tests" / "nlu"
STYLES = ("支配型", "表达型", "和蔼型", "分析型")


# ------------------------------------------------------------------------------------ fake models


def oracle(mistakes: Optional[Callable[[int, str], Optional[str]]] = None) -> ev.Parser:
    """A parser answering from the held-out gold labels; `mistakes(i, gold_style)` may change the style."""
    gold: Dict[str, ev.Example] = {e.text: e for e in ev.load_heldout(HELDOUT)}
    order = {text: i for i, text in enumerate(gold)}

    def parse(text: str) -> dict:
        ex = gold[text]
        prof = {}
        for dim, value in ex.labels.items():
            if dim == "style" and mistakes is not None:
                value = mistakes(order[text], value)
            prof[dim] = None if value is None else {"value": value, "confidence": 0.9, "evidence": []}
        return {"intent": ex.intent, "customer_profile": prof}

    return parse


def misread_styles(i: int, style: Optional[str]) -> Optional[str]:
    if style is None or i % 3:
        return style
    return STYLES[(STYLES.index(style) + 1) % len(STYLES)]


class Lab:
    """A models/ folder, a fake trainer and an evaluator over fake parsers keyed by model file name."""

    def __init__(self, root: Path):
        self.dir = root / "models"
        self.dir.mkdir()
        self.registry = ModelRegistry(self.dir)
        self.parsers: Dict[str, ev.Parser] = {}
        self.stories: Dict[str, rt.StoryResult] = {}
        self.trained: List[str] = []
        self.validated = 0

    def model(self, name: str, parser: ev.Parser, failed_stories: int = 0) -> Path:
        path = self.dir / name
        path.write_bytes(b"not really a model")
        self.parsers[name] = parser
        self.stories[name] = rt.StoryResult(failed_stories, 12)
        return path

    def trainer(self, name: str, parser: ev.Parser, failed_stories: int = 0) -> Callable[[], Path]:
        def train() -> Path:
            self.trained.append(name)
            return self.model(name, parser, failed_stories)

        return train

    def validate(self) -> None:
        self.validated += 1

    def evaluator(self) -> rt.ModelEvaluator:
        return rt.ModelEvaluator(
            heldout_dir=HELDOUT,
            stories_dir=REPO / "tests" / "stories",
            parser_factory=lambda model: self.parsers[model.name],
            story_runner=lambda model, _stories: self.stories[model.name],
        )

    def retrain(self, train: Callable[[], Path], **kwargs) -> tuple[rt.RetrainOutcome, str]:
        out = io.StringIO()
        console = Console(file=out, width=160, color_system=None)
        outcome = rt.retrain(self.registry, train=train, evaluate=self.evaluator(), validate=self.validate,
                             console=console, **kwargs)
        return outcome, out.getvalue()


@pytest.fixture
def lab(tmp_path: Path) -> Lab:
    return Lab(tmp_path)


# ------------------------------------------------------------------------------------ tests


def test_worse_candidate_is_refused_and_the_current_model_stays(lab: Lab) -> None:
    current = lab.model("keqing-current.tar.gz", oracle())
    lab.registry.promote(current)
    pointer = lab.registry.current_file.read_bytes()

    outcome, printed = lab.retrain(lab.trainer("keqing-worse.tar.gz", oracle(misread_styles)))

    assert outcome.status == "refused" and outcome.exit_code == 2
    assert lab.validated == 1 and lab.trained == ["keqing-worse.tar.gz"]
    assert lab.registry.current() == current
    assert lab.registry.current_file.read_bytes() == pointer
    assert lab.registry.previous() is None
    assert (lab.dir / "keqing-worse.tar.gz").exists()  # kept, not served
    # the before/after table, with the style row marked worse and the others fine
    rows = {r.label: r for r in outcome.decision.rows}
    assert not rows["style macro-F1"].ok and rows["style macro-F1"].current == pytest.approx(1.0)
    assert rows["style macro-F1"].candidate < 0.9
    assert all(r.ok for label, r in rows.items() if label != "style macro-F1")
    assert "retrain gate (tolerance 0.01)" in printed and "style macro-F1" in printed
    assert "worse" in printed and "Candidate refused" in printed and "keqing-current.tar.gz" in printed


def test_refused_candidate_never_becomes_current_by_being_newest(lab: Lab) -> None:
    current = lab.model("keqing-current.tar.gz", oracle())  # no models/current yet: newest is current
    assert not lab.registry.pinned() and lab.registry.current() == current

    outcome, _ = lab.retrain(lab.trainer("keqing-worse.tar.gz", oracle(misread_styles)))

    assert outcome.status == "refused"
    assert lab.registry.models()[-1].name == "keqing-worse.tar.gz"  # the newest file…
    assert lab.registry.current() == current  # …is not served: the pointer was pinned first


def test_more_failing_stories_are_refused(lab: Lab) -> None:
    lab.registry.promote(lab.model("keqing-current.tar.gz", oracle(), failed_stories=0))
    outcome, printed = lab.retrain(lab.trainer("keqing-new.tar.gz", oracle(), failed_stories=1))
    assert outcome.status == "refused"
    assert lab.registry.current().name == "keqing-current.tar.gz"
    assert "failed test stories (of 12)" in printed


def test_no_worse_candidate_is_promoted_and_rollback_restores(lab: Lab, capsys: pytest.CaptureFixture) -> None:
    from keqing.cli import main

    old = lab.model("keqing-old.tar.gz", oracle(misread_styles))
    lab.registry.promote(old)

    outcome, printed = lab.retrain(lab.trainer("keqing-new.tar.gz", oracle()))

    assert outcome.status == "promoted" and outcome.exit_code == 0
    assert lab.registry.current().name == "keqing-new.tar.gz"
    assert lab.registry.previous() == old
    assert "Promoted" in printed and "rollback" in printed

    assert main(["model", "current", "--models-dir", str(lab.dir)]) == 0
    assert capsys.readouterr().out.strip().endswith("keqing-new.tar.gz")

    assert main(["rollback", "--models-dir", str(lab.dir)]) == 0
    assert lab.registry.current() == old and lab.registry.previous().name == "keqing-new.tar.gz"
    assert main(["model", "current", "--models-dir", str(lab.dir)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].endswith("keqing-old.tar.gz")

    assert main(["rollback", "--models-dir", str(lab.dir)]) == 0  # rolling back the rollback
    assert lab.registry.current().name == "keqing-new.tar.gz"


def test_unchanged_inputs_do_nothing(lab: Lab) -> None:
    current = lab.model("keqing-same.tar.gz", oracle())
    lab.registry.promote(current)
    outcome, printed = lab.retrain(lambda: current)
    assert outcome.status == "unchanged" and lab.registry.previous() is None
    assert "nothing to do" in printed


def test_invalid_data_stops_before_training(lab: Lab) -> None:
    def invalid() -> None:
        raise rt.RetrainError("rasa data validate failed")

    trained = []
    with pytest.raises(rt.RetrainError):
        rt.retrain(lab.registry, train=lambda: trained.append(1), evaluate=lab.evaluator(), validate=invalid,
                   console=Console(file=io.StringIO()))
    assert not trained


def scores(**metrics: float) -> rt.Scores:
    base = {"style": 0.9, "motive": 0.9, "stage": 0.95, "grade": 0.9, "intent": 0.9, "share": 0.9}
    base.update(metrics)
    return rt.Scores("m", base, rt.StoryResult(0, 10), 0)


@pytest.mark.parametrize(
    "candidate, promote",
    [
        (scores(), True),
        (scores(style=0.891), True),  # within the tolerance
        (scores(style=0.889), False),
        (scores(intent=0.85), False),
        (scores(share=0.5), False),
        (scores(grade=1.0, motive=0.7), False),  # better elsewhere does not buy a worse dimension
    ],
)
def test_gate_tolerance(candidate: rt.Scores, promote: bool) -> None:
    assert rt.gate(scores(), candidate, tolerance=0.01).promote is promote


def test_first_model_is_promoted_without_comparison() -> None:
    decision = rt.gate(None, scores(), 0.01)
    assert decision.promote and all(r.current is None for r in decision.rows)


def test_registry_errors(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path)
    assert reg.current() is None
    with pytest.raises(RegistryError):
        reg.rollback()
    with pytest.raises(RegistryError):
        reg.promote(tmp_path / "keqing-missing.tar.gz")
    outside = tmp_path.parent / "keqing-elsewhere.tar.gz"
    outside.write_bytes(b"x")
    with pytest.raises(RegistryError):
        reg.promote(outside)
