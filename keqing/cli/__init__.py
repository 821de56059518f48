"""Command-line entry point: `python -m keqing <command>`.

Each command lives in its own module exposing `register(subparsers)`; the module adds a
sub-parser whose `func(args) -> int` runs the command. Modules are imported lazily by name so
that a broken optional dependency of one command never breaks the others.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import List, Optional

# module path -> registers these top-level commands
COMMAND_MODULES: List[str] = [
    "keqing.cli.kb",
    "keqing.cli.eval",
    "keqing.cli.channels",
    "keqing.cli.endpoints",
    "keqing.cli.learn",
    "keqing.cli.privacy",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m keqing", description="客情参谋 command-line tools")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from keqing import logsafe

    logsafe.install()
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    return int(args.func(args) or 0)
