"""The WeCom inbox: accepted callbacks queue per rep until their turn is answered.

A callback is acknowledged (HTTP 200) only once its message is in the inbox, so what WeCom was told we
accepted is never lost: one worker at a time per rep (a lease) drains that rep's queue in arrival order,
and pops a message only after its replies went out. When a replica dies, its leases expire and another
replica's sweeper takes the queue over from the message that was in progress.

- `MemoryInbox`: one process (no KEQING_REDIS_URL); the lease never expires, nothing survives a restart.
- `RedisInbox`: a cluster; de-duplication (MsgId) and the enqueue are one atomic script, so of two
  deliveries of one message, on any replicas, exactly one is queued.

Items are JSON-able dicts with at least `id` (the de-duplication key) and `user`.
"""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from typing import (
    Any,
    Deque,
    Dict,
    List,
    Optional,
    Protocol,
)

from keqing.channels.state import TTLCache

LEASE_SECONDS = 15.0


class Inbox(Protocol):
    lease_seconds: float

    def accept(self, item: Dict[str, Any], dedup_ttl: float) -> bool:
        """Queue `item` unless its `id` was accepted within `dedup_ttl` seconds; True when queued."""

    def claim(self, user: str, owner: str) -> bool:
        """Take (or keep) the lease on `user`'s queue; False while another owner holds it."""

    def head(self, user: str) -> Optional[Dict[str, Any]]:
        """The oldest unanswered message of `user`, marked as started by the caller (see `started`)."""

    def start(self, user: str, item_id: str) -> bool:
        """Mark `item_id` as in progress; True when it already was (a previous owner died mid-turn)."""

    def done(self, user: str, owner: str, item_id: str) -> bool:
        """Remove the answered head `item_id`, if `owner` still holds the lease."""

    def release(self, user: str, owner: str) -> bool:
        """Give up the lease when the queue is empty; False (lease kept) when messages arrived meanwhile."""

    def orphans(self, limit: int = 100) -> List[str]:
        """Reps with queued messages and no live lease (their worker died)."""


class MemoryInbox:
    """One process: per-rep deques; leases do not expire (a worker always releases in `finally`)."""

    def __init__(self, dedup_max_entries: int = 20_000, lease_seconds: float = LEASE_SECONDS) -> None:
        self.lease_seconds = lease_seconds
        self._queues: Dict[str, Deque[Dict[str, Any]]] = {}
        self._owners: Dict[str, str] = {}
        self._started: set[str] = set()
        self._seen: Optional[TTLCache] = None
        self._dedup_max = dedup_max_entries
        self._lock = threading.Lock()

    def accept(self, item: Dict[str, Any], dedup_ttl: float) -> bool:
        with self._lock:
            if self._seen is None:
                self._seen = TTLCache(dedup_ttl, self._dedup_max)
            if not self._seen.add(item["id"]):
                return False
            self._queues.setdefault(item["user"], deque()).append(dict(item))
            return True

    def claim(self, user: str, owner: str) -> bool:
        with self._lock:
            holder = self._owners.setdefault(user, owner)
            return holder == owner

    def head(self, user: str) -> Optional[Dict[str, Any]]:
        with self._lock:
            queue = self._queues.get(user)
            return dict(queue[0]) if queue else None

    def start(self, user: str, item_id: str) -> bool:
        with self._lock:
            if item_id in self._started:
                return True
            self._started.add(item_id)
            return False

    def done(self, user: str, owner: str, item_id: str) -> bool:
        with self._lock:
            queue = self._queues.get(user)
            if self._owners.get(user) != owner or not queue or queue[0]["id"] != item_id:
                return False
            queue.popleft()
            self._started.discard(item_id)
            return True

    def release(self, user: str, owner: str) -> bool:
        with self._lock:
            if self._queues.get(user):
                return False
            self._queues.pop(user, None)
            if self._owners.get(user) == owner:
                del self._owners[user]
            return True

    def orphans(self, limit: int = 100) -> List[str]:
        return []


_ACCEPT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[3])
  return 1
end
return 0
"""
_CLAIM = """
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_DONE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local head = redis.call('LINDEX', KEYS[2], 0)
if not head then return 0 end
if cjson.decode(head)['id'] ~= ARGV[2] then return 0 end
redis.call('LPOP', KEYS[2])
redis.call('HDEL', KEYS[3], ARGV[2])
return 1
"""
_RELEASE = """
if redis.call('LLEN', KEYS[2]) > 0 then return 0 end
redis.call('SREM', KEYS[3], ARGV[2])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
"""
_ORPHANS = """
local out = {}
for _, user in ipairs(redis.call('SRANDMEMBER', KEYS[1], tonumber(ARGV[2]))) do
  if redis.call('EXISTS', ARGV[1] .. 'lease:' .. user) == 0 then
    if redis.call('LLEN', ARGV[1] .. 'queue:' .. user) > 0 then table.insert(out, user)
    else redis.call('SREM', KEYS[1], user) end
  end
end
return out
"""


class RedisInbox:
    """The inbox on Redis (run Redis with AOF for it to survive a Redis restart)."""

    def __init__(self, client: Any, prefix: str = "keqing:wecom:", lease_seconds: float = LEASE_SECONDS) -> None:
        self.client = client
        self.prefix = prefix
        self.lease_seconds = lease_seconds
        self._lease_ms = int(lease_seconds * 1000)
        self._accept = client.register_script(_ACCEPT)
        self._claim = client.register_script(_CLAIM)
        self._done = client.register_script(_DONE)
        self._release = client.register_script(_RELEASE)
        self._orphans = client.register_script(_ORPHANS)

    def _k(self, kind: str, user: str = "") -> str:
        return f"{self.prefix}{kind}:{user}" if user else f"{self.prefix}{kind}"

    def accept(self, item: Dict[str, Any], dedup_ttl: float) -> bool:
        user = item["user"]
        keys = [self._k("seen", item["id"]), self._k("queue", user), self._k("users")]
        payload = json.dumps(item, ensure_ascii=False)
        return bool(self._accept(keys=keys, args=[int(dedup_ttl * 1000), payload, user]))

    def claim(self, user: str, owner: str) -> bool:
        return bool(self._claim(keys=[self._k("lease", user)], args=[owner, self._lease_ms]))

    def head(self, user: str) -> Optional[Dict[str, Any]]:
        raw = self.client.lindex(self._k("queue", user), 0)
        return None if raw is None else json.loads(raw)

    def start(self, user: str, item_id: str) -> bool:
        return not self.client.hsetnx(self._k("started"), item_id, str(time.time()))

    def done(self, user: str, owner: str, item_id: str) -> bool:
        keys = [self._k("lease", user), self._k("queue", user), self._k("started")]
        return bool(self._done(keys=keys, args=[owner, item_id]))

    def release(self, user: str, owner: str) -> bool:
        keys = [self._k("lease", user), self._k("queue", user), self._k("users")]
        return bool(self._release(keys=keys, args=[owner, user]))

    def orphans(self, limit: int = 100) -> List[str]:
        found = self._orphans(keys=[self._k("users")], args=[self.prefix, limit])
        return [u.decode() if isinstance(u, bytes) else str(u) for u in found]


def make_inbox(client: Optional[Any]) -> Inbox:
    return RedisInbox(client) if client is not None else MemoryInbox()
