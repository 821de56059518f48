"""Push delivery for channels that can send on their own (WeCom, Slack): every few seconds, due reminders are
claimed (one conditional UPDATE, keqing.reminders.store), sent, then marked delivered; on the digest's day
each rep with customers gets the weekly digest once (claimed per rep and ISO week), unless the digest is
switched off (`digest_enabled`, KEQING_DIGEST_ENABLED).

Exactly once across replicas: only the claim's winner sends. A send that fails leaves the claim; it expires
after `store.LEASE` and the next tick (of any replica) sends again. A delivered reminder is not said again at
the rep's next turn (that path claims too). The channel gives a `send(sender, texts)` coroutine; the clock
is injectable (local time, keqing.reminders.clock).
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import datetime
from typing import Awaitable, Callable, List, Optional

from keqing.customers import CustomerMemory
from keqing.dialogue import replies
from keqing.kb.query import KnowledgeBase
from keqing.reminders import digest
from keqing.reminders.clock import local_now
from keqing.reminders.dates import shown
from keqing.reminders.store import Reminder

logger = logging.getLogger(__name__)

Send = Callable[[str, List[str]], Awaitable[None]]  # (sender, texts) → sent, or raises
Clock = Callable[[], datetime]


def worker_name(channel: str) -> str:
    return f"push:{channel}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def reminder_texts(reminder: Reminder) -> List[str]:
    return [r.text for r in replies.due_reminders([f"{shown(reminder.due_at)}:{reminder.text}"])]


class FollowupDelivery:
    """One channel's push loop: `tick()` does one round; `start()`/`stop()` run it every `every` seconds."""

    def __init__(self, memory: CustomerMemory, channel: str, send: Send, clock: Clock = local_now,
                 every: float = 30.0, kb: Optional[KnowledgeBase] = None, digest_weekday: int = 0,
                 digest_hour: int = 9, worker: Optional[str] = None, batch: int = 50,
                 digest_enabled: bool = True) -> None:
        self.memory, self.channel, self.send, self.clock = memory, channel, send, clock
        self.every, self.kb, self.batch = every, kb, batch
        self.digest_enabled, self.digest_weekday, self.digest_hour = digest_enabled, digest_weekday, digest_hour
        self.worker = worker or worker_name(channel)
        self._task: Optional[asyncio.Task] = None

    async def tick(self) -> int:
        """Deliver what is due now; the number of messages (reminders and digests) sent."""
        sent = await self.deliver_reminders()
        if self.kb is not None and self.digest_enabled:
            sent += await self.deliver_digests()
        return sent

    async def deliver_reminders(self) -> int:
        now = self.clock()
        due = await asyncio.to_thread(self.memory.due_reminders, now, self.batch, self.channel)
        sent = 0
        for reminder in due:
            if not await asyncio.to_thread(self.memory.claim_reminder, reminder.id, self.worker, now):
                continue
            try:
                await self.send(reminder.sender, reminder_texts(reminder))
            except Exception as e:  # the claim expires and a later tick sends it again
                logger.warning("%s: reminder %d to %s not sent (%s: %s); retried after the claim expires",
                               self.channel, reminder.id, reminder.sender, type(e).__name__, e)
                continue
            await asyncio.to_thread(self.memory.mark_delivered, reminder.id, self.worker, self.clock())
            sent += 1
        return sent

    async def deliver_digests(self) -> int:
        local = self.clock()
        if self.kb is None or not self.digest_enabled or not digest.digest_time(local, self.digest_weekday,
                                                                                  self.digest_hour):
            return 0
        week = digest.week_of(local)
        sent = 0
        for sender in await asyncio.to_thread(self.memory.digest_reps, self.channel):
            if not await asyncio.to_thread(self.memory.claim_digest, self.channel, sender, week, self.worker, local):
                continue
            try:
                texts = await asyncio.to_thread(digest.compose, self.memory, self.kb, self.channel, sender, local)
                await self.send(sender, texts)
            except Exception as e:
                logger.warning("%s: weekly digest to %s not sent (%s: %s); retried after the claim expires",
                               self.channel, sender, type(e).__name__, e)
                continue
            await asyncio.to_thread(self.memory.mark_digest_sent, self.channel, sender, week, self.worker,
                                    self.clock())
            sent += 1
        return sent

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as e:  # the database is down: try again next time
                logger.warning("%s: follow-up delivery failed (%s: %s)", self.channel, type(e).__name__, e)
            await asyncio.sleep(self.every)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self.run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
