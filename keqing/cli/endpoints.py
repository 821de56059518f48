"""`python -m keqing endpoints [--write PATH]`: Rasa's endpoints file for this environment.

endpoints.yml is the static default for plain Rasa commands; `make run`, `make server` and the cluster
start Rasa with the file written here, so KEQING_ACTION_URL / KEQING_ACTION_PORT and KEQING_REDIS_URL
take effect without `${VAR}` references that Rasa refuses to start on when unset.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any, Dict, Optional

import yaml

from keqing.settings import Settings, settings

logger = logging.getLogger("keqing.endpoints")

TRACKER_STORE = "stores.tracker_store.KeqingTrackerStore"
LOCK_STORE = "stores.lock_store.KeqingRedisLockStore"


def endpoints(conf: Settings, model_url: Optional[str] = None, model_pull_seconds: int = 10) -> Dict[str, Any]:
    out: Dict[str, Any] = {
        "action_endpoint": {"url": conf.resolved_action_url()},
        "tracker_store": {"type": TRACKER_STORE},
    }
    if conf.redis_url:
        out["lock_store"] = {"type": LOCK_STORE}
    if model_url:  # Rasa's model server: each replica polls it (ETag) and loads a new model in place
        out["models"] = {"url": model_url, "wait_time_between_pulls": model_pull_seconds}
    return out


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("endpoints", help="write Rasa's endpoints file from the environment")
    parser.add_argument("--write", metavar="PATH", help="write here (e.g. var/endpoints.runtime.yml)")
    parser.add_argument("--model-url", help="pull the served model from this URL (a cluster's model server)")
    parser.add_argument("--model-pull-seconds", type=int, default=10, help="how often a replica polls --model-url")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    text = "# written by `python -m keqing endpoints`; edit endpoints.yml or the environment instead\n"
    model_url, pull = getattr(args, "model_url", None), getattr(args, "model_pull_seconds", 10)
    text += yaml.safe_dump(endpoints(settings(), model_url, pull), allow_unicode=True,
                           sort_keys=False)
    if args.write:
        Path(args.write).parent.mkdir(parents=True, exist_ok=True)
        Path(args.write).write_text(text, encoding="utf-8")
        logger.info("endpoints written to %s", args.write)
    else:
        sys.stdout.write(text)
    return 0
