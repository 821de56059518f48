"""What a channel does with a verified message before it answers 200: the text cap, the per-rep flood limit,
then the durable inbox, or the local spool when the database cannot take it."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Optional

from keqing.channels import texts
from keqing.channels.inbox.spool import Spool
from keqing.channels.inbox.store import Inbox
from keqing.channels.limits import ALLOW, DROP, FloodGuard, RateLimiter
from keqing.channels.state import RedisRateLimiter, shared_redis
from keqing.settings import Settings

logger = logging.getLogger(__name__)

STORED = "stored"
DUPLICATE = "duplicate"
SPOOLED = "spooled"


@dataclass(frozen=True)
class Refusal:
    """A message not taken: `reply` is what the rep is told ("" = nothing, they were told a moment ago)."""

    reason: str
    reply: str


class _FailOpen:
    """A shared limiter that lets messages through (and says so in the log) while Redis is unreachable:
    a flood limit must never cost a rep a message."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    def allow(self, key: str) -> bool:
        try:
            return self.limiter.allow(key)
        except Exception as e:
            logger.warning("rate limit unavailable (%s); message let through", type(e).__name__)
            return True


def flood_guard(conf: Settings) -> FloodGuard:
    """Counted in Redis across replicas when KEQING_REDIS_URL is set, else in this process."""
    client = shared_redis()
    if client is None:
        return FloodGuard.in_memory(conf.rate_limit_messages, conf.rate_limit_seconds)
    return FloodGuard(_FailOpen(RedisRateLimiter(client, conf.rate_limit_messages, conf.rate_limit_seconds, "flood")),
                      _FailOpen(RedisRateLimiter(client, 1, conf.rate_limit_seconds, "flood-notice")))


class Intake:
    def __init__(self, channel: str, inbox: Inbox, spool: Spool, guard: FloodGuard, max_chars: int) -> None:
        self.channel, self.inbox, self.spool, self.guard, self.max_chars = channel, inbox, spool, guard, max_chars

    @classmethod
    def from_settings(cls, channel: str, conf: Settings, inbox: Optional[Inbox] = None,
                      guard: Optional[FloodGuard] = None) -> Intake:
        return cls(channel, inbox or Inbox(conf.resolved_db_url()), Spool(conf.resolved_inbox_spool()),
                   guard or flood_guard(conf), conf.max_message_chars)

    def screen(self, rep: str, text: str) -> Optional[Refusal]:
        """None when the message may go on; otherwise why not and what to tell the rep. Nothing is stored."""
        if len(text) > self.max_chars:
            logger.info("%s: message of %d characters from %s refused (limit %d)", self.channel, len(text), rep,
                        self.max_chars)
            return Refusal("too_long", texts.too_long(len(text), self.max_chars))
        verdict = self.guard.check(f"{self.channel}:{rep}")
        if verdict != ALLOW:
            logger.info("%s: %s is over the message rate limit", self.channel, rep)
            return Refusal("rate_limited", "" if verdict == DROP else texts.SLOW_DOWN_TEXT)
        return None

    def store(self, rep: str, key: str, text: str, payload: Dict[str, Any]) -> str:
        """STORED, DUPLICATE (this delivery was stored before) or SPOOLED (database down; kept on disk)."""
        try:
            if self.spool.pending():  # keep the order: what waited on disk goes in first
                self.spool.drain(self._accept_record)
            stored = self.inbox.accept(self.channel, rep, key, text, payload)
            return STORED if stored is not None else DUPLICATE
        except Exception as e:
            logger.warning("%s: database cannot take the message of %s (%s: %s); spooled to disk", self.channel,
                           rep, type(e).__name__, e)
            self.spool.append({"channel": self.channel, "rep": rep, "message_key": key, "text": text,
                               "payload": payload, "at": datetime.utcnow().isoformat()})
            return SPOOLED

    def _accept_record(self, record: Dict[str, Any]) -> None:
        self.inbox.accept(record["channel"], record["rep"], record["message_key"], record.get("text", ""),
                          record.get("payload") or {})
