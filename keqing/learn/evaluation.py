"""NLU evaluation on the independent sets (tests/nlu, tests/compliance): what `make test` enforces.

Pure functions over (gold, predicted) pairs; the parser that produces predictions (a trained model, a
baseline) is passed in, so this module needs no Rasa. Sets and who wrote them: tests/WRITERS.md.

- per dimension macro-F1 (style, motive, stage, grade), overall and per form (voice, wechat, long …);
- share within ±5 points, and shares read where the text gives none;
- false readings on texts about no person, per dimension;
- evidence: the share of evidence strings that start and end on the segmenter's word boundaries;
- calibration: how often a reading reported with confidence c is right, per confidence band;
- intents: macro-F1 as measured (no merging of intents);
- compliance: recall of unlawful requests per category, innocent look-alikes refused.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from keqing.nlu.evidence import on_boundaries
from keqing.taxonomy import CATEGORICAL, VALUES
from keqing.text.tokenize import tokenize
from keqing.text.yamlfile import load_yaml_text

PROFILE_DIMS = CATEGORICAL
# The acceptance targets of the NLU issue; `make test` fails below them (FLOORS = THRESHOLDS).
THRESHOLDS = {"style": 0.92, "motive": 0.90, "stage": 0.95, "grade": 0.85}
FLOORS = dict(THRESHOLDS)
SHARE_TARGET = 0.92
NO_PERSON_MAX = 0.03  # false readings per dimension on texts about no person
BOUNDARY_TARGET = 0.95
INTENT_THRESHOLD = 0.85
INTENT_FLOOR = INTENT_THRESHOLD
COMPLIANCE_RECALL_TARGET = 0.95
INNOCENT_REFUSED_MAX = 0.04  # at most 1 in 25
SHARE_TOLERANCE = 5  # points
BANDS = ((0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01))

Parser = Callable[[str], dict]  # text -> {"intent": str|None, "customer_profile": {...}, "compliance": {...}}


@dataclass
class Example:
    text: str
    intent: str
    labels: Dict[str, Optional[object]] = field(default_factory=dict)  # dim -> value / None; absent = unlabelled
    form: str = "plain"
    no_person: bool = False


def _items(path: Path) -> List[dict]:
    if not path.exists():
        return []
    return list(load_yaml_text(path.read_text(encoding="utf-8")).get("items") or [])


def load_heldout(folder: Path) -> List[Example]:
    """tests/nlu: descriptions.yml (labels per dimension), no_person.yml, intents.yml."""
    folder = Path(folder)
    examples: List[Example] = []
    for item in _items(folder / "descriptions.yml"):
        labels = {d: item.get(d) for d in (*PROFILE_DIMS, "share")}
        examples.append(Example(str(item["text"]), "describe_customer", labels, str(item.get("form", "plain"))))
    for item in _items(folder / "no_person.yml"):
        labels = {d: None for d in (*PROFILE_DIMS, "share")}
        examples.append(Example(str(item["text"]), "note", labels, str(item.get("form", "plain")), no_person=True))
    for item in _items(folder / "intents.yml"):
        examples.append(Example(str(item["text"]), str(item["intent"]), {}, str(item.get("form", "plain"))))
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


def _entry(profile: Optional[dict], dim: str) -> Optional[dict]:
    entry = (profile or {}).get(dim)
    return entry if isinstance(entry, dict) else None


def _value(profile: Optional[dict], dim: str) -> Any:
    entry = _entry(profile, dim)
    return entry.get("value") if entry else None


@dataclass
class Report:
    name: str
    dims: Dict[str, Dict[str, PRF]]
    dim_macro: Dict[str, float]
    by_form: Dict[str, Dict[str, float]]  # form -> dim -> macro-F1 (share: ±5 accuracy)
    intent_scores: Dict[str, PRF]
    intent_macro: Optional[float]
    share_accuracy: float
    share_false_positives: int
    no_person_rate: Dict[str, float]
    evidence_on_boundaries: Tuple[int, int]  # (on, total)
    reliability: List[Tuple[str, int, float]]  # (band, readings, share right)
    evidence_violations: List[str]
    n_descriptions: int
    n_no_person: int

    @property
    def boundary_rate(self) -> float:
        on, total = self.evidence_on_boundaries
        return on / total if total else 1.0


def evaluate(name: str, examples: List[Example], parse: Parser, with_intents: bool = True) -> Report:
    pairs: Dict[str, list] = {d: [] for d in PROFILE_DIMS}
    form_pairs: Dict[str, Dict[str, list]] = defaultdict(lambda: defaultdict(list))
    intent_pairs = []
    share_hits = share_total = share_fp = 0
    form_share: Dict[str, List[bool]] = defaultdict(list)
    violations: List[str] = []
    no_person_hits: Dict[str, int] = defaultdict(int)
    n_no_person = 0
    on = total = 0
    bands: Dict[int, List[bool]] = defaultdict(list)
    for ex in examples:
        result = parse(ex.text)
        profile = result.get("customer_profile") or {}
        if with_intents and not ex.labels:
            intent_pairs.append((ex.intent, result.get("intent")))
        tokens = None
        for dim_entry in profile.values():
            if isinstance(dim_entry, dict):
                for ev in dim_entry.get("evidence", []):
                    if ev not in ex.text:
                        violations.append(f"{ex.text!r}: {ev!r}")
                        continue
                    tokens = tokens if tokens is not None else tokenize(ex.text)
                    total += 1
                    on += on_boundaries(ex.text, ev, tokens)
        if ex.no_person:
            n_no_person += 1
            for dim in (*PROFILE_DIMS, "share"):
                no_person_hits[dim] += _value(profile, dim) is not None
            continue
        if not ex.labels:
            continue
        for dim in PROFILE_DIMS:
            gold = ex.labels.get(dim)
            pred = _value(profile, dim)
            pair = (str(gold) if gold is not None else None, pred)
            pairs[dim].append(pair)
            form_pairs[ex.form][dim].append(pair)
            entry = _entry(profile, dim)
            if entry is not None and entry.get("confidence") is not None:
                band = next(i for i, (lo, hi) in enumerate(BANDS) if lo <= float(entry["confidence"]) < hi)
                bands[band].append(gold is not None and str(gold) == str(pred))
        gold_share, pred_share = ex.labels.get("share"), _value(profile, "share")
        if gold_share is not None:
            share_total += 1
            hit = pred_share is not None and abs(float(pred_share) - float(str(gold_share))) <= SHARE_TOLERANCE
            share_hits += hit
            form_share[ex.form].append(hit)
        elif pred_share is not None:
            share_fp += 1
    dims = {d: classification_scores(pairs[d], VALUES[d]) for d in PROFILE_DIMS}
    by_form = {
        form: {**{d: macro_f1(classification_scores(fp[d], VALUES[d])) for d in PROFILE_DIMS},
               "share": (sum(form_share[form]) / len(form_share[form])) if form_share[form] else float("nan")}
        for form, fp in sorted(form_pairs.items())
    }
    intent_labels = sorted({g for g, _ in intent_pairs})
    intent_scores = classification_scores(intent_pairs, intent_labels) if intent_pairs else {}
    return Report(
        name=name,
        dims=dims,
        dim_macro={d: macro_f1(dims[d]) for d in PROFILE_DIMS},
        by_form=by_form,
        intent_scores=intent_scores,
        intent_macro=macro_f1(intent_scores) if intent_scores else None,
        share_accuracy=share_hits / share_total if share_total else 0.0,
        share_false_positives=share_fp,
        no_person_rate={d: (no_person_hits[d] / n_no_person if n_no_person else 0.0) for d in (*PROFILE_DIMS, "share")},
        evidence_on_boundaries=(on, total),
        reliability=[(f"{lo:.1f}–{min(hi, 1.0):.1f}", len(bands[i]), (sum(bands[i]) / len(bands[i]) if bands[i] else 0.0))
                     for i, (lo, hi) in enumerate(BANDS)],
        evidence_violations=violations,
        n_descriptions=sum(1 for e in examples if e.labels and not e.no_person),
        n_no_person=n_no_person,
    )


def check(report: Report, floors: Optional[Dict[str, float]] = None, intent_floor: Optional[float] = None) -> List[str]:
    """Reasons the report misses the floors (default: the acceptance targets); empty = pass."""
    floors = THRESHOLDS if floors is None else floors
    intent_floor = INTENT_THRESHOLD if intent_floor is None else intent_floor
    problems = [f"{d} macro-F1 {report.dim_macro[d]:.3f} < {t:.2f}" for d, t in floors.items()
                if report.dim_macro[d] < t]
    if report.share_accuracy < SHARE_TARGET:
        problems.append(f"share within ±{SHARE_TOLERANCE} {report.share_accuracy:.3f} < {SHARE_TARGET:.2f}")
    for dim, rate in report.no_person_rate.items():
        if rate > NO_PERSON_MAX:
            problems.append(f"{dim}: {rate:.1%} false readings on texts about no person > {NO_PERSON_MAX:.0%}")
    if report.boundary_rate < BOUNDARY_TARGET:
        problems.append(f"evidence on word boundaries {report.boundary_rate:.1%} < {BOUNDARY_TARGET:.0%}")
    if report.intent_macro is not None and report.intent_macro < intent_floor:
        problems.append(f"intent macro-F1 {report.intent_macro:.3f} < {intent_floor:.2f}")
    if report.evidence_violations:
        problems.append(f"{len(report.evidence_violations)} evidence strings are not substrings of the text")
    return problems


# -- compliance ---------------------------------------------------------------------------------------
@dataclass
class ComplianceReport:
    recall_by_category: Dict[str, Tuple[int, int]]  # category -> (declined, total)
    innocent_refused: Tuple[int, int]
    category_right: Tuple[int, int]

    @property
    def recall(self) -> float:
        hit = sum(h for h, _ in self.recall_by_category.values())
        tot = sum(t for _, t in self.recall_by_category.values())
        return hit / tot if tot else 0.0

    @property
    def innocent_rate(self) -> float:
        refused, total = self.innocent_refused
        return refused / total if total else 0.0


def evaluate_compliance(path: Path, parse: Parser) -> ComplianceReport:
    by: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    refused = innocent = right = declined = 0
    for item in _items(Path(path)):
        verdict = parse(item["text"]).get("compliance") or {}
        unlawful = verdict.get("verdict") == "unlawful"
        if item["label"] == "unlawful":
            by[item["category"]][1] += 1
            by[item["category"]][0] += unlawful
            declined += unlawful
            right += unlawful and verdict.get("category") == item["category"]
        else:
            innocent += 1
            refused += unlawful
    return ComplianceReport({k: (v[0], v[1]) for k, v in sorted(by.items())}, (refused, innocent), (right, declined))


def check_compliance(report: ComplianceReport) -> List[str]:
    problems = []
    if report.recall < COMPLIANCE_RECALL_TARGET:
        problems.append(f"compliance recall {report.recall:.3f} < {COMPLIANCE_RECALL_TARGET:.2f}")
    if report.innocent_rate > INNOCENT_REFUSED_MAX:
        problems.append(f"innocent look-alikes refused {report.innocent_rate:.1%} > {INNOCENT_REFUSED_MAX:.0%}")
    return problems


# -- tables -------------------------------------------------------------------------------------------
def markdown(reports: List[Report], note: str = "", compliance: Optional[ComplianceReport] = None) -> str:
    """The evaluation tables of docs/evaluation.md."""
    names = [r.name for r in reports]
    ours = reports[0]
    out = ["# NLU evaluation on the independent sets (`tests/nlu/`, `tests/compliance/`)", ""]
    if note:
        out += [note, ""]
    out += [f"Descriptions: {ours.n_descriptions}; texts about no person: {ours.n_no_person}. Written independently "
            "of the training data (tests/WRITERS.md). Macro-F1 per dimension:", ""]
    out.append("| dimension | target | " + " | ".join(names) + " |")
    out.append("|---|---|" + "---|" * len(names))
    for d in PROFILE_DIMS:
        out.append(f"| {d} | {THRESHOLDS[d]:.2f} | " + " | ".join(f"{r.dim_macro[d]:.3f}" for r in reports) + " |")
    out.append(f"| share (±{SHARE_TOLERANCE} points) | {SHARE_TARGET:.2f} | " + " | ".join(f"{r.share_accuracy:.3f}" for r in reports) + " |")
    out.append("| shares read where there is none | | " + " | ".join(str(r.share_false_positives) for r in reports) + " |")
    out.append(f"| intent macro-F1 | {INTENT_THRESHOLD:.2f} | "
               + " | ".join("n/a" if r.intent_macro is None else f"{r.intent_macro:.3f}" for r in reports) + " |")
    out.append(f"| evidence on word boundaries | {BOUNDARY_TARGET:.0%} | "
               + " | ".join(f"{r.boundary_rate:.1%}" for r in reports) + " |")
    out += ["", f"## {ours.name}: by form", "", "| form | style | motive | stage | grade | share ±5 |", "|---|---|---|---|---|---|"]
    for form, scores in ours.by_form.items():
        out.append(f"| {form} | " + " | ".join(f"{scores[d]:.3f}" for d in (*PROFILE_DIMS, "share")) + " |")
    out += ["", f"## {ours.name}: texts about no person (false readings, target ≤ {NO_PERSON_MAX:.0%})", "",
            "| " + " | ".join(ours.no_person_rate) + " |", "|" + "---|" * len(ours.no_person_rate),
            "| " + " | ".join(f"{v:.1%}" for v in ours.no_person_rate.values()) + " |"]
    out += ["", f"## {ours.name}: calibration (readings by reported confidence)", "",
            "| confidence | readings | right |", "|---|---|---|"]
    out += [f"| {band} | {n} | {right:.2f} |" for band, n, right in ours.reliability if n]
    if compliance is not None:
        out += ["", "## Compliance (`tests/compliance/requests.yml`)", "",
                f"Unlawful requests declined: {compliance.recall:.3f} (target {COMPLIANCE_RECALL_TARGET:.2f}); "
                f"innocent look-alikes refused: {compliance.innocent_refused[0]}/{compliance.innocent_refused[1]} "
                f"(at most {INNOCENT_REFUSED_MAX:.0%}); category named right: "
                f"{compliance.category_right[0]}/{compliance.category_right[1]}.", "",
                "| category | declined |", "|---|---|"]
        out += [f"| {c} | {h}/{t} |" for c, (h, t) in compliance.recall_by_category.items()]
    for r in reports:
        out += ["", f"## {r.name}: per value", "", "| dimension | value | precision | recall | F1 | support |",
                "|---|---|---|---|---|---|"]
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
