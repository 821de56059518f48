"""`python -m keqing privacy export|erase --rep ID [--channel CH]` and `python -m keqing privacy purge`.

export  everything kept about a rep as JSON (stdout or --out FILE): conversation (tracker store),
        customer records, inbox, harvested examples;
erase   delete all of it (the tracker store's conversation of that sender id, the customer records of the
        rep on every channel or on --channel, inbox rows, harvested examples tagged with the conversation);
purge   delete conversations older than KEQING_RETENTION_DAYS (or --days): tracker events, inbox rows,
        and customers nobody mentioned within that time. Run it daily (cron).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

logger = logging.getLogger("keqing.privacy")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("privacy", help="export or erase a rep's data; purge old conversations")
    sub = parser.add_subparsers(dest="privacy_command", metavar="ACTION")
    for name, helptext in (("export", "print everything kept about a rep as JSON"),
                           ("erase", "delete everything kept about a rep")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--rep", required=True, metavar="ID", help="the rep's sender id (WeCom UserID, Slack user id, REST sender)")
        p.add_argument("--channel", help="only this channel's customer records and inbox (wecom, slack, rest)")
        if name == "export":
            p.add_argument("--out", metavar="FILE", help="write the JSON here instead of stdout")
        p.set_defaults(func=run_export if name == "export" else run_erase)
    purge = sub.add_parser("purge", help="delete conversations older than the retention period")
    purge.add_argument("--days", type=int, help="retention in days (default KEQING_RETENTION_DAYS, 365)")
    purge.set_defaults(func=run_purge)
    parser.set_defaults(func=lambda args: (parser.print_help(sys.stderr), 2)[1])


def run_export(args: argparse.Namespace) -> int:
    from keqing.privacy import export_rep

    data = export_rep(args.rep, args.channel)
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        logger.info("已导出 %s 的数据到 %s", args.rep, args.out)
    else:
        sys.stdout.write(text + "\n")
    return 0


def run_erase(args: argparse.Namespace) -> int:
    from keqing.privacy import erase_rep

    counts = erase_rep(args.rep, args.channel)
    print(f"已删除 {args.rep} 的数据: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def run_purge(args: argparse.Namespace) -> int:
    from keqing.privacy import purge

    try:
        counts = purge(args.days)
    except ValueError as e:
        print(f"privacy purge: {e}", file=sys.stderr)
        return 2
    print("已清理过期数据: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0
