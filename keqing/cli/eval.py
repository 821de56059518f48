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
    p.add_argument("--compliance", default=str(ROOT / "tests" / "compliance" / "requests.yml"))
    p.add_argument("--out", help="write the markdown table here (e.g. docs/evaluation.md)")
    p.add_argument("--check", action="store_true", help="exit 1 below any target (the floors are the targets)")
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
    parse = _model_parser(args.model)
    reports: List[ev.Report] = [ev.evaluate("客情参谋", examples, parse)]
    compliance = ev.evaluate_compliance(Path(args.compliance), parse)
    if args.lexicon_baseline:
        reports.append(ev.evaluate("cue lexicon alone", examples, _lexicon_parser(), with_intents=False))
    if args.baseline_model:
        reports.append(ev.evaluate("Rasa default pipeline", examples, _baseline_parser(args.baseline_model)))
    table = ev.markdown(reports, note=f"Model: `{Path(args.model).name}`.", compliance=compliance)
    print(table.split("## 客情参谋: per value")[0])
    if args.out:
        Path(args.out).write_text(table + "\n", encoding="utf-8")
        print(f"written to {args.out}")
    ours = reports[0]
    for v in ours.evidence_violations[:5]:
        print("evidence not in text:", v, file=sys.stderr)
    problems = ev.check(ours, ev.FLOORS, ev.INTENT_FLOOR) + ev.check_compliance(compliance)
    if problems:
        print("below the targets: " + "; ".join(problems))
    if args.check and problems:
        print("NLU evaluation FAILED", file=sys.stderr)
        return 1
    if args.check:
        print("NLU evaluation met every target (floors = targets).")
    return 0
