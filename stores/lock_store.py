"""A Redis lock store that is safe across Rasa replicas: `lock_store: type: stores.lock_store.KeqingRedisLockStore`.

Rasa's `RedisLockStore` keeps a conversation's ticket lock as one JSON value and changes it by
GET → modify → SET. Two replicas taking a ticket for the same conversation at the same moment both read
"no tickets", both write ticket 0, and both process a message of that conversation at once (Rasa PR 11256
fixed this and PR 11428 reverted it). Here every change is one Lua script, run atomically by Redis:

    keqing:lock:<id>:n        counter: INCR gives each ticket a unique, increasing number
    keqing:lock:<id>:tickets  sorted set of live tickets, score = ticket number
    keqing:lock:<id>:expires  hash ticket number -> expiry (Redis server time, ms)

A ticket is served when it is the lowest live one; expired tickets (a replica that died holding the lock)
are dropped by every script, and the last ticket out deletes the keys. Waiting polls every 10-100 ms
instead of Rasa's fixed second, so a burst from one rep is not slowed by a second per message.

The Redis URL is KEQING_REDIS_URL (or `url:` in the endpoints file).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from keqing.channels.state import redis_client
from keqing.settings import settings

logger = logging.getLogger(__name__)

_NOW = "local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
_DROP_EXPIRED = """
for _, n in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local exp = tonumber(redis.call('HGET', KEYS[3], n) or '0')
  if exp <= now then redis.call('ZREM', KEYS[2], n); redis.call('HDEL', KEYS[3], n) end
end
"""
_ISSUE = _NOW + _DROP_EXPIRED + """
local n = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], n, n)
redis.call('HSET', KEYS[3], n, now + tonumber(ARGV[1]))
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[1]) + 60000) end
return n
"""
# 1: the ticket is served; 0: wait; -1: the ticket is gone (expired, or Redis lost it)
_TRY = _NOW + _DROP_EXPIRED + """
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return -1 end
local first = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
if first == ARGV[1] then return 1 end
return 0
"""
_FINISH = _NOW + """
redis.call('ZREM', KEYS[2], ARGV[1]); redis.call('HDEL', KEYS[3], ARGV[1])
""" + _DROP_EXPIRED + """
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) end
return 1
"""

POLL_MIN, POLL_MAX = 0.01, 0.1
REISSUES = 3


class KeqingRedisLockStore(LockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, url: Optional[str] = None,
                 key_prefix: str = "keqing:lock:", client: Any = None, **_: Any) -> None:
        url = url or (endpoint_config.url if endpoint_config is not None else None) or settings().redis_url
        if client is None and not url:
            raise ValueError("KeqingRedisLockStore needs KEQING_REDIS_URL (or url: in the endpoints file)")
        self.red = client if client is not None else redis_client(url or "")
        self.key_prefix = key_prefix
        self._issue = self.red.register_script(_ISSUE)
        self._try = self.red.register_script(_TRY)
        self._finish = self.red.register_script(_FINISH)
        super().__init__()

    def _keys(self, conversation_id: Text) -> list[str]:
        base = f"{self.key_prefix}{conversation_id}"
        return [f"{base}:n", f"{base}:tickets", f"{base}:expires"]

    # -- the atomic operations -------------------------------------------------------------------
    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return int(self._issue(keys=self._keys(conversation_id), args=[int(lock_lifetime * 1000)]))
        except Exception as e:
            raise LockError(f"Error while acquiring lock. Error:\n{e}") from e

    def try_acquire(self, conversation_id: Text, ticket: int) -> int:
        """1 when `ticket` is served now, 0 while earlier tickets are live, -1 when it no longer exists."""
        try:
            return int(self._try(keys=self._keys(conversation_id), args=[ticket]))
        except Exception as e:
            raise LockError(f"Error while acquiring lock. Error:\n{e}") from e

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._finish(keys=self._keys(conversation_id), args=[ticket_number])

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        try:
            self.finish_serving(conversation_id, ticket_number)
        except Exception as e:  # Redis away: the ticket expires by itself
            logger.warning("lock store: could not release ticket %s of %s: %s", ticket_number, conversation_id, e)

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = POLL_MAX) -> AsyncGenerator[TicketLock, None]:
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            ticket = await self._wait_for(conversation_id, ticket, lock_lifetime, min(wait_time_in_seconds, POLL_MAX))
            yield TicketLock(conversation_id, deque([Ticket(ticket, time.time() + lock_lifetime)]))
        finally:
            self.cleanup(conversation_id, ticket)

    async def _wait_for(self, conversation_id: Text, ticket: int, lifetime: float, poll_max: float) -> int:
        poll, reissued = POLL_MIN, 0
        while True:
            state = self.try_acquire(conversation_id, ticket)
            if state == 1:
                return ticket
            if state == -1:  # expired while waiting, or Redis restarted without it: queue again
                if reissued >= REISSUES:
                    raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
                reissued += 1
                logger.warning("lock store: ticket %s of %s vanished; taking a new one", ticket, conversation_id)
                ticket = self.issue_ticket(conversation_id, lifetime)
                continue
            await asyncio.sleep(poll)
            poll = min(poll * 2, poll_max)

    # -- the rest of Rasa's LockStore interface, read-only views ----------------------------------
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        _, tickets_key, expires_key = self._keys(conversation_id)
        numbers = [int(n) for n in self.red.zrange(tickets_key, 0, -1)]
        if not numbers:
            return None
        expiries = self.red.hmget(expires_key, [str(n) for n in numbers])
        tickets = [Ticket(n, float(e or 0) / 1000) for n, e in zip(numbers, expiries)]
        return TicketLock(conversation_id, deque(tickets))

    def is_someone_waiting(self, conversation_id: Text) -> bool:
        return bool(self.red.zcard(self._keys(conversation_id)[1]))

    def update_lock(self, conversation_id: Text) -> None:
        """Expired tickets are dropped by every script; nothing to do."""

    def delete_lock(self, conversation_id: Text) -> None:
        deleted = self.red.delete(*self._keys(conversation_id))
        self._log_deletion(conversation_id, bool(deleted))

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("KeqingRedisLockStore changes locks only through its atomic scripts")
