"""A trained model as a parser function, without importing Rasa here.

The core defines what it needs (`text -> parse result`); the Rasa adapter that loads a model archive
lives in `components/parser.py` and is named by `KEQING_MODEL_LOADER` (``module:function``), the same way
Rasa names custom components in config.yml. Evaluation and the retrain gate get their parsers here.
"""
from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path
from typing import Any, Callable, Dict

from keqing.settings import REPO_ROOT, settings

Parse = Callable[[str], Dict[str, Any]]
Parser = Callable[[str], dict]  # text -> {"intent": str|None, "customer_profile": {...}, "entities": [...]}


def _loader() -> Callable[[str], Parse]:
    module_name, _, attr = settings().model_loader.partition(":")
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    loader = getattr(importlib.import_module(module_name), attr)
    return loader


def quiet_model_logs() -> None:
    """Rasa logs every parse at debug level through structlog; evaluations print tables only."""
    import structlog

    for name in ("rasa", "tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def model_parser(model: Path) -> Parser:
    """The trained model at `model` as `text -> {"intent", "customer_profile", "entities", "compliance"}`."""
    parse = _loader()(str(model))

    def run(text: str) -> dict:
        r = parse(text)
        return {
            "intent": (r.get("intent") or {}).get("name"),
            "customer_profile": r.get("customer_profile"),
            "entities": r.get("entities", []),
            "compliance": r.get("compliance"),
        }

    return run
