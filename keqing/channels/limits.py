"""Per-rep flood limits behind a tiny interface, so that a shared (Redis) backend can be plugged in later.

    limiter: RateLimiter = SlidingWindowLimiter(limit=30, window=10.0)
    if not limiter.allow("wecom:zhangsan"): ...

`FloodGuard` adds the rule that a flooding rep is told to slow down once per window, not once per message.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import Callable, Deque, Optional

from typing_extensions import Protocol

ALLOW = "allow"
SLOW_DOWN = "slow_down"  # refuse and tell the rep
DROP = "drop"  # refuse silently (the rep was told a moment ago)


class RateLimiter(Protocol):
    def allow(self, key: str) -> bool:
        """Count one event for `key`; False when `key` is over its limit (the event is not counted)."""
        ...


class SlidingWindowLimiter:
    """At most `limit` events per `window` seconds per key, in this process's memory. Thread-safe.

    Keys untouched for a whole window are forgotten; beyond `max_keys` the least recently used go first.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 50_000) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._events: OrderedDict[str, Deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        with self._lock:
            now = self.clock()
            events = self._events.pop(key, None) or deque()
            while events and events[0] <= now - self.window:
                events.popleft()
            allowed = len(events) < self.limit
            if allowed:
                events.append(now)
            self._events[key] = events  # most recently used last
            while len(self._events) > self.max_keys:
                self._events.popitem(last=False)
            return allowed


class FloodGuard:
    """`check(key)`: ALLOW, SLOW_DOWN (refuse and say so) or DROP (refuse; already told in this window)."""

    def __init__(self, messages: RateLimiter, notices: Optional[RateLimiter] = None) -> None:
        self.messages = messages
        self.notices = notices

    @classmethod
    def in_memory(cls, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> FloodGuard:
        return cls(SlidingWindowLimiter(limit, window, clock), SlidingWindowLimiter(1, window, clock))

    def check(self, key: str) -> str:
        if self.messages.allow(key):
            return ALLOW
        if self.notices is None or self.notices.allow(key):
            return SLOW_DOWN
        return DROP
