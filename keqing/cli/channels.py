"""`python -m keqing channels [--write PATH]`: which chat channels are on, and Rasa's credentials file."""
from __future__ import annotations

import argparse
import logging
import sys

from keqing.channels.config import channels_from_env, write_credentials

logger = logging.getLogger("keqing.channels")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "channels",
        help="decide the chat channels from the environment and write Rasa's credentials file",
        description=(
            "rest when KEQING_REST_TOKEN is set (requests need Authorization: Bearer); wecom when WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN and "
            "WECOM_AES_KEY are set; slack when SLACK_TOKEN and SLACK_SIGNING_SECRET are set. "
            "Without --write the credentials YAML is printed."
        ),
    )
    parser.add_argument("--write", metavar="PATH", help="write the credentials file here (e.g. var/credentials.runtime.yml)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.write:
        config = write_credentials(args.write)
        logger.info("渠道配置已写入 %s", args.write)
    else:
        config = channels_from_env()
        sys.stdout.write(config.to_yaml())
    for warning in config.warnings:
        logger.warning(warning)
    logger.info(config.summary())
    logger.info(config.api_status())
    return 0
