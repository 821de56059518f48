"""Shared channel state: a bounded cache with expiry (message de-duplication, last buttons per user)."""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import (
    Any,
    Callable,
    Tuple,
)

logger = logging.getLogger(__name__)

class TTLCache:
    """A bounded mapping whose entries expire; oldest entries are dropped first. Thread-safe."""

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
