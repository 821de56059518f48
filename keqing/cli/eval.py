"""`python -m keqing eval-nlu`: held-out NLU evaluation of a model, optionally against baselines."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import List

from keqing.learn import evaluation as ev
from keqing.learn.models import model_parser, quiet_model_logs
from keqing.settings import REPO_ROOT

logger = logging.getLogger(__name__)
ROOT = REPO_ROOT


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval-nlu", help="evaluate a model on the held-out NLU set (tests/nlu)")
    p.add_argument("--model", required=True, help="trained model (.tar.gz)")
    p.add_argument("--baseline-model", help="Rasa default pipeline trained on the same data")
    p.add_argument("--lexicon-baseline", action="store_true", help="also evaluate the cue lexicon alone")
    p.add_argument("--heldout", default=str(ROOT / "tests" / "nlu"))
    p.add_argument("--out", help="write the markdown table here (e.g. docs/evaluation.md)")
    p.add_argument("--check", action="store_true", help="exit 1 below the regression floors (or --strict targets)")
    p.add_argument("--strict", action="store_true", help="with --check: use the acceptance targets as floors")
    p.set_defaults(func=run)


def _model_parser(model: str) -> ev.Parser:
    return model_parser(Path(model))


def _baseline_parser(model: str) -> ev.Parser:
    from keqing.nlu.scoring import Signal
    from keqing.taxonomy import entity_value

    parse = _model_parser(model)

    def run(text: str) -> dict:
        r = parse(text)
        signals = []
        for e in r["entities"]:
            mapped = entity_value(e.get("entity", ""))
            if mapped:
                signals.append(Signal(mapped[0], mapped[1], e["start"], e["end"], float(e.get("confidence_entity") or 1), "model"))
        return {"intent": r["intent"], "customer_profile": ev.profile_from_votes(signals)}

    return run


def _lexicon_parser() -> ev.Parser:
    from keqing.nlu.cues import CueMatcher
    from keqing.nlu.lexicon import load_lexicon

    matcher = CueMatcher.build(load_lexicon())
    return lambda text: {"intent": None, "customer_profile": ev.profile_from_votes(matcher.match(text))}


def run(args: argparse.Namespace) -> int:
    quiet_model_logs()
    examples = ev.load_heldout(Path(args.heldout))
    reports: List[ev.Report] = [ev.evaluate("客情参谋 pipeline", examples, _model_parser(args.model))]
    if args.lexicon_baseline:
        reports.append(ev.evaluate("cue lexicon alone", examples, _lexicon_parser(), with_intents=False))
    if args.baseline_model:
        reports.append(ev.evaluate("Rasa default pipeline", examples, _baseline_parser(args.baseline_model)))
    table = ev.markdown(reports, note=f"Model: `{Path(args.model).name}`.")
    print(table.split("## ")[0])
    if args.out:
        Path(args.out).write_text(table + "\n", encoding="utf-8")
        print(f"written to {args.out}")
    ours = reports[0]
    for v in ours.evidence_violations[:5]:
        print("evidence not in text:", v, file=sys.stderr)
    targets_missed = ev.check(ours)
    if targets_missed:
        print("acceptance targets not met: " + "; ".join(targets_missed))
    if args.check:
        problems = targets_missed if args.strict else ev.check(ours, ev.FLOORS, ev.INTENT_FLOOR)
        for b in reports[1:]:
            for d in ev.PROFILE_DIMS:
                if b.dim_macro[d] >= ours.dim_macro[d]:
                    problems.append(f"{d}: not better than {b.name} ({ours.dim_macro[d]:.3f} vs {b.dim_macro[d]:.3f})")
        if problems:
            print("NLU evaluation FAILED: " + "; ".join(problems), file=sys.stderr)
            return 1
        used = ev.THRESHOLDS if args.strict else ev.FLOORS
        print("NLU evaluation passed the floors: " + ", ".join(f"{d} ≥ {t}" for d, t in used.items()))
    return 0
