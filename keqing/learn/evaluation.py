"""NLU evaluation on the held-out set: precision, recall and F1 per dimension and value, intent F1.

Pure functions over (gold, predicted) pairs; the parsers that produce predictions (the trained model,
the cue lexicon alone, Rasa's default pipeline) are passed in, so this module needs no Rasa.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

from keqing.taxonomy import CATEGORICAL, VALUES

PROFILE_DIMS = CATEGORICAL
# Acceptance targets (macro-F1 per dimension) of the NLU issue.
THRESHOLDS = {"style": 0.90, "stage": 0.95, "grade": 0.85, "motive": 0.85}
INTENT_THRESHOLD = 0.85
# What `make test` enforces: no dimension may fall below these floors, a regression guard about 0.02
# under the measured model (docs/evaluation.md) so that run-to-run training noise does not fail CI.
FLOORS = {"style": 0.90, "stage": 0.96, "grade": 0.84, "motive": 0.89}
INTENT_FLOOR = 0.86
SHARE_TOLERANCE = 5  # points

# Intents the dialogue treats alike: a share statement and a description both run the diagnosis, so
# a description labelled one way and predicted the other is not a dialogue error.
SAME_DIALOGUE_ACT = {"provide_share": "describe_customer"}

Parser = Callable[[str], dict]  # text -> {"intent": str|None, "customer_profile": {...}}


@dataclass
class Example:
    text: str
    intent: str
    labels: Dict[str, Optional[object]] = field(default_factory=dict)  # dim -> value / None; absent = unlabelled


def load_heldout(folder: Path) -> List[Example]:
    """tests/nlu/descriptions.yml (labelled per dimension) + tests/nlu/intents.yml (Rasa NLU format)."""
    folder = Path(folder)
    examples: List[Example] = []
    desc = yaml.safe_load((folder / "descriptions.yml").read_text(encoding="utf-8"))
    for item in desc["items"]:
        labels = {d: item.get(d) for d in (*PROFILE_DIMS, "share")}
        examples.append(Example(str(item["text"]), "describe_customer", labels))
    intents = yaml.safe_load((folder / "intents.yml").read_text(encoding="utf-8"))
    for block in intents.get("nlu", []):
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append(Example(line[2:].strip(), block["intent"]))
    return examples


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


def classification_scores(pairs: Iterable[Tuple[Optional[str], Optional[str]]], labels: Sequence[str]) -> Dict[str, PRF]:
    """Per-label counts where None means 'no label': predicting a value for a None gold is a false
    positive, predicting None for a gold value a false negative."""
    scores = {label: PRF() for label in labels}
    for gold, pred in pairs:
        if gold == pred:
            if gold is not None:
                scores[gold].tp += 1
            continue
        if pred is not None and pred in scores:
            scores[pred].fp += 1
        if gold is not None:
            scores[gold].fn += 1
    return scores


def macro_f1(scores: Dict[str, PRF]) -> float:
    present = [s for s in scores.values() if s.support or s.fp]
    return sum(s.f1 for s in present) / len(present) if present else 0.0


def _value(profile: Optional[dict], dim: str) -> Any:
    entry = (profile or {}).get(dim)
    return entry.get("value") if isinstance(entry, dict) else None


@dataclass
class Report:
    name: str
    dims: Dict[str, Dict[str, PRF]]
    dim_macro: Dict[str, float]
    intent_scores: Dict[str, PRF]
    intent_macro: Optional[float]
    act_macro: Optional[float]
    share_accuracy: float
    share_false_positives: int
    evidence_violations: List[str]
    n_descriptions: int


def evaluate(name: str, examples: List[Example], parse: Parser, with_intents: bool = True) -> Report:
    pairs: Dict[str, list] = {d: [] for d in PROFILE_DIMS}
    intent_pairs = []
    share_hits = share_total = share_fp = 0
    violations: List[str] = []
    for ex in examples:
        result = parse(ex.text)
        profile = result.get("customer_profile") or {}
        if with_intents:
            intent_pairs.append((ex.intent, result.get("intent")))
        for dim_entry in profile.values():
            if isinstance(dim_entry, dict):
                for ev in dim_entry.get("evidence", []):
                    if ev not in ex.text:
                        violations.append(f"{ex.text!r}: {ev!r}")
        if ex.intent != "describe_customer" or not ex.labels:
            continue
        for dim in PROFILE_DIMS:
            gold = ex.labels.get(dim)
            pairs[dim].append((str(gold) if gold is not None else None, _value(profile, dim)))
        gold_share, pred_share = ex.labels.get("share"), _value(profile, "share")
        if gold_share is not None:
            share_total += 1
            share_hits += pred_share is not None and abs(float(pred_share) - float(str(gold_share))) <= SHARE_TOLERANCE
        elif pred_share is not None:
            share_fp += 1
    dims = {d: classification_scores(pairs[d], VALUES[d]) for d in PROFILE_DIMS}
    intent_labels = sorted({g for g, _ in intent_pairs})
    intent_scores = classification_scores(intent_pairs, intent_labels) if with_intents else {}
    act = lambda i: SAME_DIALOGUE_ACT.get(i, i)  # noqa: E731
    act_pairs = [(act(g), act(p) if p else p) for g, p in intent_pairs]
    act_scores = classification_scores(act_pairs, sorted({g for g, _ in act_pairs})) if with_intents else {}
    return Report(
        name=name,
        dims=dims,
        dim_macro={d: macro_f1(dims[d]) for d in PROFILE_DIMS},
        intent_scores=intent_scores,
        intent_macro=macro_f1(intent_scores) if with_intents else None,
        act_macro=macro_f1(act_scores) if with_intents else None,
        share_accuracy=share_hits / share_total if share_total else 0.0,
        share_false_positives=share_fp,
        evidence_violations=violations,
        n_descriptions=sum(1 for e in examples if e.intent == "describe_customer" and e.labels),
    )


def check(report: Report, floors: Optional[Dict[str, float]] = None, intent_floor: Optional[float] = None) -> List[str]:
    """Reasons the report misses the given floors (default: the acceptance targets); empty = pass."""
    floors = THRESHOLDS if floors is None else floors
    intent_floor = INTENT_THRESHOLD if intent_floor is None else intent_floor
    problems = [
        f"{d} macro-F1 {report.dim_macro[d]:.3f} < {t:.2f}" for d, t in floors.items() if report.dim_macro[d] < t
    ]
    if report.act_macro is not None and report.act_macro < intent_floor:
        problems.append(f"intent macro-F1 (dialogue acts) {report.act_macro:.3f} < {intent_floor:.2f}")
    if report.evidence_violations:
        problems.append(f"{len(report.evidence_violations)} evidence strings are not substrings of the text")
    return problems


def markdown(reports: List[Report], note: str = "") -> str:
    """The evaluation table of docs/evaluation.md."""
    names = [r.name for r in reports]
    out = ["# NLU evaluation (held-out set `tests/nlu/`)", ""]
    if note:
        out += [note, ""]
    out += [f"Descriptions: {reports[0].n_descriptions}. Macro-F1 per dimension (higher is better):", ""]
    out.append("| dimension | threshold | " + " | ".join(names) + " |")
    out.append("|---|---|" + "---|" * len(names))
    for d in PROFILE_DIMS:
        out.append(f"| {d} | {THRESHOLDS[d]:.2f} | " + " | ".join(f"{r.dim_macro[d]:.3f}" for r in reports) + " |")
    out.append(
        "| intent | | "
        + " | ".join("n/a" if r.intent_macro is None else f"{r.intent_macro:.3f}" for r in reports)
        + " |"
    )
    out.append(
        f"| intent, provide_share = describe_customer | {INTENT_THRESHOLD:.2f} | "
        + " | ".join("n/a" if r.act_macro is None else f"{r.act_macro:.3f}" for r in reports)
        + " |"
    )
    out.append(
        f"| share (±{SHARE_TOLERANCE} points) | | " + " | ".join(f"{r.share_accuracy:.3f}" for r in reports) + " |"
    )
    out.append("| shares read where there is none | | " + " | ".join(str(r.share_false_positives) for r in reports) + " |")
    out.append("")
    for r in reports:
        out += [f"## {r.name}: per value", "", "| dimension | value | precision | recall | F1 | support |", "|---|---|---|---|---|---|"]
        for d in PROFILE_DIMS:
            for value, s in r.dims[d].items():
                out.append(f"| {d} | {value} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.support} |")
        if r.intent_scores:
            out += ["", "| intent | precision | recall | F1 | support |", "|---|---|---|---|---|"]
            for intent, s in r.intent_scores.items():
                out.append(f"| {intent} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.support} |")
        out.append("")
    return "\n".join(out)


def profile_from_votes(signals: Iterable[Any], dims: Sequence[str] = PROFILE_DIMS) -> dict:
    """Baseline profile: per dimension, the value with the most (or most confident) votes; no
    negation, contrast or share parsing."""
    profile: dict = {d: None for d in (*dims, "share")}
    for dim in dims:
        votes: Dict[str, float] = {}
        for s in signals:
            if s.dimension == dim:
                votes[s.value] = votes.get(s.value, 0.0) + s.weight
        if votes:
            value = max(votes, key=lambda v: votes[v])
            profile[dim] = {"value": value, "confidence": 1.0, "evidence": []}
    return profile
