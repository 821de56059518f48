"""`python -m keqing kb load|check|migrate`: load and validate the knowledge base."""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Any, Dict, List

from keqing import settings as config
from keqing.db.errors import KeqingDBError
from keqing.kb.errors import KnowledgeError


def register(subparsers: argparse._SubParsersAction) -> None:
    kb = subparsers.add_parser("kb", help="knowledge base: load, check, migrate")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="SUBCOMMAND")
    kb.set_defaults(func=lambda _args: (kb.print_help(sys.stderr), 2)[1])

    load = kb_sub.add_parser("load", help="migrate the database, then load knowledge/*.yml (idempotent)")
    load.add_argument("--path", default=str(config.KNOWLEDGE_DIR), help="directory of *.yml (default: knowledge/)")
    load.add_argument("--url", default=None, help="database URL (default: $KEQING_DB_URL or var/keqing.db)")
    load.add_argument("--force", action="store_true", help="rewrite even when the content is unchanged")
    load.set_defaults(func=cmd_load)

    check = kb_sub.add_parser("check", help="validate knowledge/*.yml without touching the database")
    check.add_argument("--path", default=str(config.KNOWLEDGE_DIR))
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.set_defaults(func=cmd_check)

    mig = kb_sub.add_parser("migrate", help="upgrade the database schema to the latest revision")
    mig.add_argument("--url", default=None)
    mig.set_defaults(func=cmd_migrate)


def _quiet(args: argparse.Namespace) -> None:
    if not getattr(args, "verbose", False):
        logging.getLogger("alembic").setLevel(logging.WARNING)


def _fail(message: str) -> int:
    print("error: " + " ".join(message.split()), file=sys.stderr)  # one line, even for driver messages
    return 1


def _print_counts(title: str, counts: Dict[str, int], extra: Dict[str, int]) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # rich is optional
        print(title + ": " + ", ".join(f"{k} {v}" for k, v in {**counts, **extra}.items()))
        return
    print(title)
    table = Table(show_header=True)
    table.add_column("kind")
    table.add_column("count", justify="right")
    for kind, n in counts.items():
        table.add_row(kind, str(n))
    table.add_section()
    for name, n in extra.items():
        table.add_row(name, str(n))
    Console().print(table)


def _print_warnings(warnings: List[str]) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _lawfulness(kset: Any) -> List[str]:  # a KnowledgeSet
    from keqing.kb.lawful import check_items

    return [f"lawfulness: {finding}" for finding in check_items(li.item for li in kset.items)]


def _safe_url(url: str | None) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url or config.db_url()).render_as_string(hide_password=True)


def cmd_load(args: argparse.Namespace) -> int:
    _quiet(args)
    from keqing.db import migrate
    from keqing.kb.loader import write
    from keqing.kb.reader import read_knowledge

    try:
        kset = read_knowledge(args.path)  # validate before touching the database
        migrate(args.url)
        summary = write(kset, args.url, force=args.force)
    except (KnowledgeError, KeqingDBError) as exc:
        return _fail(str(exc))
    state = "loaded into" if summary.changed else "unchanged in"
    _print_counts(
        f"knowledge base {state} {_safe_url(args.url)}: {sum(summary.counts.values())} items",
        summary.counts,
        {"cues": summary.cues, "aliases": summary.aliases, "steps": summary.steps,
         "opportunities": summary.opportunities},
    )
    _print_warnings(summary.warnings + _lawfulness(kset))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from keqing.kb.reader import read_knowledge

    try:
        kset = read_knowledge(args.path)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    unlawful = _lawfulness(kset)
    _print_warnings(kset.warnings)
    for line in unlawful:
        print(f"error: {line}", file=sys.stderr)
    counts = kset.counts()
    print(f"ok: {sum(counts.values())} items (" + ", ".join(f"{k} {v}" for k, v in counts.items()) + ")")
    if unlawful or (args.strict and kset.warnings):
        return 1
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _quiet(args)
    from keqing.db import current_revision, migrate

    try:
        migrate(args.url)
        print(f"database at revision {current_revision(args.url)}")
    except KeqingDBError as exc:
        return _fail(str(exc))
    return 0
