"""Load a trained Rasa model as a plain `text -> parse result` function (for evaluation tools)."""
from __future__ import annotations

import asyncio
import logging
from typing import Callable, Dict

logger = logging.getLogger(__name__)


def load_parser(model_path: str) -> Callable[[str], Dict]:
    from rasa.core.agent import Agent

    loop = asyncio.new_event_loop()
    agent = Agent.load(model_path)

    def parse(text: str) -> Dict:
        return loop.run_until_complete(agent.parse_message(text))

    return parse
