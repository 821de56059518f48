"""`InboxWorker`: answers the inbox per rep, in order, and finishes on start-up whatever a crash left.

For each rep one task at a time takes the rep's oldest unfinished message and
1. (not answered yet) checks that the turn can run (`handler.ready()`: action server and database up);
   if not, the rep is told "系统有点忙,你的消息已记下,恢复后马上回复你" once, and the message is tried
   again with back-off; a turn slower than `busy_after` seconds gets the same notice while it runs;
2. stores the turn's reply parts (the message becomes `answered`);
3. sends every part not sent yet, in order: each part is marked as being sent (committed) before the
   request and as sent after it (the handler retries network errors and rate limits; a part the channel
   refuses for good is logged and skipped);
4. marks the message done.
A message whose turn fails `MAX_FAILURES` times while everything is up gets `failure_parts` instead.

Several replicas share the inbox: a worker answers a rep only while it holds the rep's lease in the
database (renewed from a thread, so a busy event loop does not let it lapse). When a replica dies, its
leases expire and the next sweep elsewhere takes the reps over. A message whose turn had begun before is
*resumed*: if the handler finds the turn's replies already recorded (the tracker), those are sent instead of
running the turn a second time.

Exactly once at the channel's send API: if the process dies (or the call fails) after a request left and
before `mark_sent` committed, the part is *ambiguous*: it has send attempts and no `sent_at`, and nobody
knows whether the channel delivered it. A send API without an idempotency key leaves a client only
at-least-once (send it again) or at-most-once (drop it). The worker sends it again, logged. A channel with
a server-side duplicate check (WeCom's `enable_duplicate_check`, see channels/wecom.py) declares its window
as `duplicate_check_seconds` and takes `send(item, part, duplicate_check=...)`; the worker sets the flag per
part (`duplicate_check`):
- a part sent before and not confirmed (ambiguous): with the flag, so the channel drops the copy if the
  first attempt was delivered (exactly once);
- a part never attempted whose content already reached the rep (`sent_at` set, any message of the rep)
  within the window (plus `CLOCK_MARGIN`): without the flag. The rep asked for it again (the same question
  twice, the same answer word for word): the check compares content only and would silence it;
- any other part never attempted: with the flag, so that a later resend of it after a crash is recognised.
Without such a check (Slack) an ambiguous part may reach the rep twice.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import uuid
from datetime import datetime
from typing import Any, Dict, List, Optional, Set

from typing_extensions import Protocol

from keqing.channels.inbox.spool import Spool
from keqing.channels.inbox.store import Inbox, InboxItem, Part
from keqing.db.inbox_models import FAILED, PENDING

logger = logging.getLogger(__name__)

MAX_FAILURES = 3

# added to the duplicate-check window when looking for an identical part sent before: replicas' clocks and the
# time between the channel's delivery and our `sent_at` may differ a little; erring this way only leaves a part
# unflagged (delivered), never silences one
CLOCK_MARGIN = 60.0


class Unavailable(Exception):
    """A dependency is down or too slow: keep the message, tell the rep, try again later."""


class PermanentSendError(Exception):
    """The channel refuses this reply part for good (e.g. the user is not in the app's range)."""


class TurnHandler(Protocol):
    channel: str

    async def ready(self) -> bool: ...

    async def answer(self, item: InboxItem) -> List[Dict[str, Any]]: ...

    async def send(self, item: InboxItem, part: Dict[str, Any]) -> None: ...

    async def notify_busy(self, item: InboxItem) -> None: ...

    def failure_parts(self, item: InboxItem) -> List[Dict[str, Any]]: ...

    # Optional: `async def recorded(item) -> Optional[List[part]]`, the parts of a turn that already ran
    # for `item` (found in the tracker), or None.
    # Optional, for a channel with a server-side duplicate check (WeCom): `duplicate_check_seconds` (its
    # window; 0 = off) and a `send(item, part, duplicate_check: bool)` that sets the check on that send.


class InboxWorker:
    def __init__(self, inbox: Inbox, handler: TurnHandler, *, busy_after: float = 8.0,
                 min_delay: float = 1.0, max_delay: float = 30.0, sweep_every: float = 15.0,
                 spool: Optional[Spool] = None, lease_seconds: float = 30.0, owner: Optional[str] = None) -> None:
        self.inbox, self.handler, self.channel = inbox, handler, handler.channel
        self.lease_seconds = lease_seconds
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.busy_after, self.min_delay, self.max_delay = busy_after, min_delay, max_delay
        self.sweep_every, self.spool = sweep_every, spool
        self._tasks: Dict[str, asyncio.Task] = {}
        self._dirty: Set[str] = set()
        self._notified: Set[int] = set()
        self._failures: Dict[int, int] = {}
        self._sweeper: Optional[asyncio.Task] = None

    # -- scheduling ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Recover at once, then sweep periodically (spool, reps whose task is not running)."""
        if self._sweeper is None:
            self._sweeper = asyncio.ensure_future(self._sweep_loop())

    def submit(self, rep: str) -> None:
        task = self._tasks.get(rep)
        if task is not None and not task.done():
            self._dirty.add(rep)
            return
        self._tasks[rep] = asyncio.ensure_future(self._rep_loop(rep))

    async def stop(self) -> None:
        tasks = [t for t in [self._sweeper, *self._tasks.values()] if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._sweeper = None
        self._tasks.clear()

    async def recover(self) -> int:
        """Drain the spool and wake every rep with an unfinished message; how many reps."""
        if self.spool is not None and self.spool.pending():
            moved = await asyncio.to_thread(self.spool.drain, self._accept_spooled)
            logger.info("%s inbox: %d spooled message(s) moved into the database", self.channel, moved)
        reps = await asyncio.to_thread(self.inbox.open_reps, self.channel)
        for rep in reps:
            self.submit(rep)
        return len(reps)

    def _accept_spooled(self, record: Dict[str, Any]) -> None:
        # every channel's records (the spool is shared; each channel's sweep then finds its own in the inbox)
        self.inbox.accept(str(record.get("channel") or self.channel), record["rep"], record["message_key"],
                          record.get("text", ""), record.get("payload") or {})

    async def _sweep_loop(self) -> None:
        first = True
        while True:
            try:
                count = await self.recover()
                if first and count:
                    logger.info("%s inbox: finishing %d rep(s)' messages left from before", self.channel, count)
                first = False
            except asyncio.CancelledError:
                raise
            except Exception as e:  # database down: try again at the next sweep
                logger.warning("%s inbox: sweep failed: %s", self.channel, e)
            await asyncio.sleep(self.sweep_every)

    async def idle(self) -> None:
        """Wait until no rep task runs (tests)."""
        while any(not t.done() for t in self._tasks.values()):
            await asyncio.sleep(0.05)

    # -- one rep ------------------------------------------------------------------------------------
    async def _rep_loop(self, rep: str) -> None:
        try:
            claimed = await asyncio.to_thread(self.inbox.claim, self.channel, rep, self.owner, self.lease_seconds)
        except Exception as e:
            logger.warning("%s inbox: cannot take %s's lease: %s: %s", self.channel, rep, type(e).__name__, e)
            claimed = False
        if not claimed:
            return  # another replica answers this rep (or the database is down); the sweep looks again
        lost = threading.Event()
        stop = threading.Event()
        threading.Thread(target=self._keep_lease, args=(rep, stop, lost), daemon=True,
                         name=f"inbox-lease-{self.channel}").start()
        try:
            await self._drain(rep, lost)
        finally:
            stop.set()
            try:
                await asyncio.to_thread(self.inbox.release, self.channel, rep, self.owner)
            except Exception as e:
                logger.warning("%s inbox: releasing %s's lease failed (it expires): %s", self.channel, rep, e)
            if rep in self._dirty:  # a message arrived while the lease was being given back
                self._dirty.discard(rep)
                asyncio.get_running_loop().call_soon(self.submit, rep)

    def _keep_lease(self, rep: str, stop: threading.Event, lost: threading.Event) -> None:
        while not stop.wait(self.lease_seconds / 3):
            try:
                if not self.inbox.claim(self.channel, rep, self.owner, self.lease_seconds):
                    logger.warning("%s inbox: lease on %s taken over by another replica", self.channel, rep)
                    lost.set()
                    return
            except Exception as e:
                logger.warning("%s inbox: renewing %s's lease failed: %s", self.channel, rep, e)

    async def _drain(self, rep: str, lost: threading.Event) -> None:
        delay = self.min_delay
        while not lost.is_set():
            self._dirty.discard(rep)
            try:
                item = await asyncio.to_thread(self.inbox.next_for, self.channel, rep)
                if item is None:
                    if rep in self._dirty:
                        continue
                    return
                if await self._process(item):
                    delay = self.min_delay
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as e:  # database down and the like: the message waits
                logger.warning("%s inbox: rep %s: %s: %s", self.channel, rep, type(e).__name__, e)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_delay)

    async def _busy(self, item: InboxItem) -> None:
        if item.busy_notified or item.id in self._notified:
            return
        self._notified.add(item.id)
        try:
            await self.handler.notify_busy(item)
        except Exception as e:
            logger.warning("%s inbox: busy notice to %s failed: %s", self.channel, item.rep, e)
        try:
            await asyncio.to_thread(self.inbox.note_busy, item.id)
        except Exception:
            pass  # remembered in memory

    async def _answer(self, item: InboxItem) -> Optional[List[Dict[str, Any]]]:
        """The turn's parts; None when it must be tried again later."""
        if not await self.handler.ready():
            await self._busy(item)
            return None
        turn = asyncio.ensure_future(self.handler.answer(item))
        try:
            try:
                return await asyncio.wait_for(asyncio.shield(turn), self.busy_after)
            except asyncio.TimeoutError:
                logger.info("%s inbox: turn of %s slower than %.0f s", self.channel, item.rep, self.busy_after)
                await self._busy(item)
                return await turn
        except asyncio.CancelledError:
            turn.cancel()
            raise
        except Exception as e:
            unavailable = isinstance(e, Unavailable) or not await self.handler.ready()
            await asyncio.to_thread(self.inbox.note_attempt, item.id, f"{type(e).__name__}: {e}")
            if unavailable:
                logger.warning("%s inbox: turn of %s postponed: %s", self.channel, item.rep, e)
                await self._busy(item)
                return None
            failures = self._failures[item.id] = self._failures.get(item.id, 0) + 1
            logger.error("%s inbox: turn of %s failed (%d/%d): %s: %s", self.channel, item.rep, failures,
                         MAX_FAILURES, type(e).__name__, e)
            return self.handler.failure_parts(item) if failures >= MAX_FAILURES else None

    async def _recorded(self, item: InboxItem) -> Optional[List[Dict[str, Any]]]:
        finder = getattr(self.handler, "recorded", None)
        if finder is None:
            return None
        try:
            parts = await finder(item)
        except Exception as e:
            logger.warning("%s inbox: cannot look up the recorded turn of %s: %s", self.channel, item.rep, e)
            return None
        if parts:
            logger.info("%s inbox: the turn of %s's message had run; sending its recorded replies", self.channel,
                        item.rep)
        return parts or None

    def _log_resend(self, item: InboxItem, part: Part) -> None:
        """A part whose earlier send was never confirmed goes out again: say so, and whether the channel's
        own duplicate check (WeCom's `enable_duplicate_check`) still covers that earlier send."""
        window = self._check_window()
        age = (datetime.utcnow() - part.attempted_at).total_seconds() if part.attempted_at else None
        since = f"{age:.0f} s ago" if age is not None else "earlier"
        if window and age is not None and age <= window:
            logger.warning("%s inbox: resending reply part %d to %s after %d unconfirmed attempt(s) (last %s); "
                           "the channel's duplicate check (%.0f s) suppresses it if it was delivered",
                           self.channel, part.position, item.rep, part.send_attempts, since, window)
        else:
            logger.warning("%s inbox: resending reply part %d to %s after %d unconfirmed attempt(s) (last %s); "
                           "if it was delivered, the rep sees it twice", self.channel, part.position, item.rep,
                           part.send_attempts, since)

    def _check_window(self) -> float:
        return float(getattr(self.handler, "duplicate_check_seconds", 0) or 0)

    async def duplicate_check(self, item: InboxItem, part: Part) -> Optional[bool]:
        """Whether `part` goes out with the channel's duplicate check; None for a channel without one."""
        window = self._check_window()
        if not window:
            return None
        if part.ambiguous:
            return True  # maybe delivered: let the channel drop the copy
        repeat = False
        if part.content_hash:
            repeat = await asyncio.to_thread(self.inbox.sent_recently, item.channel, item.rep, part.content_hash,
                                             window + CLOCK_MARGIN, part.id)
        if repeat:
            logger.info("%s inbox: reply part %d to %s repeats one sent within %.0f s: sent without the duplicate "
                        "check", self.channel, part.position, item.rep, window)
            return False  # a legitimate repeat: the check would silence it
        return True

    async def _process(self, item: InboxItem) -> bool:
        """True when the message is finished; False to try it again after a pause."""
        if item.status == PENDING:
            resumed = await asyncio.to_thread(self.inbox.mark_started, item.id)
            parts = await self._recorded(item) if resumed else None
            if parts is None:
                parts = await self._answer(item)
            if parts is None:
                return False
            await asyncio.to_thread(self.inbox.save_parts, item.id, parts)
        for part in await asyncio.to_thread(self.inbox.unsent_parts, item.id):
            if part.ambiguous:
                self._log_resend(item, part)
            check = await self.duplicate_check(item, part)
            await asyncio.to_thread(self.inbox.mark_sending, part.id)
            try:
                if check is None:
                    await self.handler.send(item, part.payload)
                else:
                    await self.handler.send(item, part.payload, duplicate_check=check)  # type: ignore[call-arg]
            except PermanentSendError as e:
                logger.error("%s inbox: reply part %d to %s refused for good: %s", self.channel, part.position,
                             item.rep, e)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                logger.warning("%s inbox: sending to %s failed, will retry: %s: %s", self.channel, item.rep,
                               type(e).__name__, e)
                await asyncio.to_thread(self.inbox.note_attempt, item.id, f"send: {type(e).__name__}: {e}")
                return False
            await asyncio.to_thread(self.inbox.mark_sent, part.id)
        failed = self._failures.pop(item.id, 0) >= MAX_FAILURES
        await asyncio.to_thread(self.inbox.finish, item.id, FAILED if failed else "done")
        self._notified.discard(item.id)
        return True
