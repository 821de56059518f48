"""Rasa glue shared by the WeCom and Slack adapters: the inbox worker's life cycle and its readiness check."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Dict, List, Optional

from sanic import Blueprint

from keqing.channels.health import health_url, reachable
from keqing.channels.inbox import Inbox, InboxWorker
from keqing.channels.inbox.replay import recorded_bot_messages
from keqing.customers import CustomerMemory
from keqing.kb.query import KnowledgeBase
from keqing.reminders import digest
from keqing.reminders.delivery import FollowupDelivery, Send
from keqing.settings import settings

logger = logging.getLogger(__name__)


class Readiness:
    """A turn can run when the action server answers /health and the database answers SELECT 1."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.app: Any = None

    def action_health_url(self) -> Optional[str]:
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        endpoint = getattr(agent, "action_endpoint", None)
        return health_url(getattr(endpoint, "url", None))

    async def __call__(self) -> bool:
        url = self.action_health_url()
        if url and not await asyncio.to_thread(reachable, url):
            logger.warning("action server %s does not answer", url)
            return False
        try:
            await asyncio.to_thread(self.inbox.ping)
        except Exception as e:
            logger.warning("database does not answer: %s", type(e).__name__)
            return False
        return True


def run_worker_with_server(blueprint: Blueprint, readiness: Readiness,
                           make_worker: Callable[[], InboxWorker]) -> Callable[[], Optional[InboxWorker]]:
    """Start the worker when the server is up (it first finishes what a crash left), stop it with the server."""
    state: dict = {}

    @blueprint.listener("after_server_start")
    async def _start(app: Any, _loop: Any) -> None:
        readiness.app = app
        worker = state["worker"] = make_worker()
        worker.start()

    @blueprint.listener("before_server_stop")
    async def _stop(_app: Any, _loop: Any) -> None:
        worker = state.pop("worker", None)
        if worker is not None:
            await worker.stop()

    return lambda: state.get("worker")


async def recorded_replies(readiness: Readiness, sender_id: str, message_id: str) -> Optional[List[Dict[str, Any]]]:
    """The bot messages the tracker holds for the user message `message_id`, or None (turn not recorded)."""
    agent = getattr(getattr(readiness.app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None or not message_id:
        return None
    tracker = await store.retrieve(sender_id)
    events = [e.as_dict() for e in tracker.events] if tracker is not None else []
    return recorded_bot_messages(events, message_id)


def run_followups_with_server(blueprint: Blueprint, channel: str, send: Send) -> Callable[[], Optional[FollowupDelivery]]:
    """Push due reminders and the weekly digest through `send` while the server runs (keqing.reminders.delivery)."""
    state: dict = {}

    @blueprint.listener("after_server_start")
    async def _start(_app: Any, _loop: Any) -> None:
        conf = settings()
        url = conf.resolved_db_url()
        delivery = state["delivery"] = FollowupDelivery(
            CustomerMemory(url), channel, send, every=conf.reminder_poll_seconds, kb=KnowledgeBase(url),
            digest_enabled=conf.digest_enabled, digest_weekday=conf.digest_weekday, digest_hour=conf.digest_hour)
        delivery.start()
        logger.info("%s: reminders pushed every %.0f s; weekly digest %s", channel, conf.reminder_poll_seconds,
                    "on" if conf.digest_enabled else "off (KEQING_DIGEST_ENABLED)")

    @blueprint.listener("before_server_stop")
    async def _stop(_app: Any, _loop: Any) -> None:
        delivery = state.pop("delivery", None)
        if delivery is not None:
            await delivery.stop()

    return lambda: state.get("delivery")


async def digest_command_reply(channel: str, rep: str, text: str) -> Optional[List[str]]:
    """"关掉周报" / "打开周报": stored and confirmed here, before any turn; None for every other message."""
    if digest.digest_command(text) is None:
        return None
    memory = CustomerMemory(settings().resolved_db_url())
    answer = await asyncio.to_thread(digest.answer_command, memory, channel, rep, text)
    return [r.text for r in answer] if answer else None
