"""Shared channel state: bounded caches with expiry (message de-duplication, last buttons per user, welcome
throttling, Slack retry de-duplication) and per-key rate limits.

One process keeps them in memory (`TTLCache`); a cluster (KEQING_REDIS_URL set) keeps them in Redis
(`RedisTTLCache`), so every replica sees the same state and `add` is one atomic `SET NX EX`. Channels get
theirs from `shared_cache(name, ttl, max_entries)`, which picks the backend from the settings.

Values kept in Redis are JSON: channels store strings, numbers, lists and dicts (tuples come back as lists).
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from typing import (
    Any,
    Callable,
    Dict,
    Optional,
    Protocol,
    Tuple,
)

logger = logging.getLogger(__name__)


class Cache(Protocol):
    """What channels need from shared state; both backends implement it."""

    ttl: float

    def add(self, key: str, value: Any = True) -> bool: ...
    def set(self, key: str, value: Any) -> None: ...
    def get(self, key: str, default: Any = None) -> Any: ...
    def pop(self, key: str, default: Any = None) -> Any: ...
    def __contains__(self, key: object) -> bool: ...


class TTLCache:
    """A bounded mapping whose entries expire; oldest entries are dropped first. Thread-safe, one process."""

    def __init__(self, ttl: float, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be positive")
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._data: OrderedDict[str, Tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        while self._data:
            key, (expires, _) = next(iter(self._data.items()))
            if expires > now:
                break
            del self._data[key]

    def add(self, key: str, value: Any = True) -> bool:
        """Insert `key` unless it is present and fresh; True when it was new."""
        with self._lock:
            now = self.clock()
            self._expire(now)
            if key in self._data:
                return False
            self._set(key, value, now)
            return True

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            now = self.clock()
            self._expire(now)
            self._data.pop(key, None)
            self._set(key, value, now)

    def _set(self, key: str, value: Any, now: float) -> None:
        self._data[key] = (now + self.ttl, value)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            self._expire(self.clock())
            entry = self._data.get(key)
            return entry[1] if entry else default

    def pop(self, key: str, default: Any = None) -> Any:
        with self._lock:
            entry = self._data.pop(key, None)
            return entry[1] if entry and entry[0] > self.clock() else default

    def __contains__(self, key: object) -> bool:
        with self._lock:
            self._expire(self.clock())
            return key in self._data

    def __len__(self) -> int:
        with self._lock:
            self._expire(self.clock())
            return len(self._data)


# Redis: GETDEL needs Redis 6.2; a script keeps `pop` atomic on any version.
_POP = "local v = redis.call('GET', KEYS[1]); if v then redis.call('DEL', KEYS[1]) end; return v"


class RedisTTLCache:
    """`TTLCache` on Redis: every key expires after `ttl` seconds (Redis evicts, so no entry bound).

    `add` is `SET key value NX EX ttl`: of two replicas adding the same key at once exactly one gets True.
    """

    def __init__(self, client: Any, namespace: str, ttl: float) -> None:
        self.client = client
        self.namespace = namespace
        self.ttl = ttl
        self._ttl_ms = max(1, int(ttl * 1000))
        self._pop = client.register_script(_POP)

    def _key(self, key: str) -> str:
        return f"keqing:{self.namespace}:{key}"

    def add(self, key: str, value: Any = True) -> bool:
        return bool(self.client.set(self._key(key), _dump(value), nx=True, px=self._ttl_ms))

    def set(self, key: str, value: Any) -> None:
        self.client.set(self._key(key), _dump(value), px=self._ttl_ms)

    def get(self, key: str, default: Any = None) -> Any:
        raw = self.client.get(self._key(key))
        return default if raw is None else _load(raw)

    def pop(self, key: str, default: Any = None) -> Any:
        raw = self._pop(keys=[self._key(key)])
        return default if raw is None else _load(raw)

    def __contains__(self, key: object) -> bool:
        return bool(self.client.exists(self._key(str(key))))


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _load(raw: Any) -> Any:
    return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)


# --------------------------------------------------------------------------- rate limits

# Sliding window: a sorted set of request times per key; one script, so replicas never over-admit.
_ALLOW = """
local now = tonumber(ARGV[1]); local window = tonumber(ARGV[2]); local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 1
"""


class RedisRateLimiter:
    """At most `limit` calls per `window` seconds per key, across every replica (`allow(key) -> bool`).

    Times come from Redis (`TIME`), so replicas with skewed clocks agree.
    """

    def __init__(self, client: Any, limit: int, window: float, namespace: str = "rate") -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit and window must be positive")
        self.client = client
        self.limit = limit
        self.window_ms = int(window * 1000)
        self.namespace = namespace
        self._allow = client.register_script(_ALLOW)
        self._seq = 0
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        seconds, micros = self.client.time()
        now_ms = int(seconds) * 1000 + int(micros) // 1000
        with self._lock:
            self._seq += 1
            member = f"{seconds}.{micros}.{id(self)}.{self._seq}"
        return bool(self._allow(keys=[f"keqing:{self.namespace}:{key}"],
                                args=[now_ms, self.window_ms, self.limit, member]))


# --------------------------------------------------------------------------- backend choice

_clients: Dict[str, Any] = {}
_clients_lock = threading.Lock()


def redis_client(url: str) -> Any:
    """One client (connection pool) per URL and process; commands time out instead of hanging."""
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            import redis  # type: ignore[import-untyped]

            client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=15)
            _clients[url] = client
        return client


def shared_redis() -> Optional[Any]:
    """The Redis client of KEQING_REDIS_URL, or None in a single process."""
    from keqing.settings import settings

    url = settings().redis_url
    return redis_client(url) if url else None


def shared_cache(namespace: str, ttl: float, max_entries: int,
                 clock: Callable[[], float] = time.monotonic) -> Cache:
    """A cache shared by every replica when KEQING_REDIS_URL is set, else this process's own."""
    client = shared_redis()
    if client is None:
        return TTLCache(ttl, max_entries, clock)
    logger.debug("shared state %s on Redis", namespace)
    return RedisTTLCache(client, namespace, ttl)
