"""Shared channel state on a real Redis: the same answers as the in-memory cache, atomic across replicas."""
from __future__ import annotations

import threading
import time
import uuid
from typing import List

import pytest
import redis

from keqing.channels.state import RedisRateLimiter, RedisTTLCache, TTLCache, shared_cache


@pytest.fixture
def client(redis_server):
    red = redis.Redis.from_url(redis_server.url)
    yield red
    red.flushdb()


def test_shared_cache_picks_redis_only_with_the_url(monkeypatch, redis_server) -> None:
    monkeypatch.delenv("KEQING_REDIS_URL", raising=False)
    assert isinstance(shared_cache("t", 10, 10), TTLCache)
    monkeypatch.setenv("KEQING_REDIS_URL", redis_server.url)
    one, two = shared_cache("t", 10, 10), shared_cache("t", 10, 10)
    assert isinstance(one, RedisTTLCache)
    key = uuid.uuid4().hex
    assert one.add(key) and not two.add(key)  # two replicas see one another's entries


def test_redis_cache_behaves_like_the_memory_cache(client) -> None:
    cache = RedisTTLCache(client, "buttons", ttl=0.5)
    cache.set("u1", [["A 公司", "/switch_customer"], ["B", "/b"]])
    assert cache.get("u1") == [["A 公司", "/switch_customer"], ["B", "/b"]]
    assert "u1" in cache and "u2" not in cache
    assert cache.pop("u1") == [["A 公司", "/switch_customer"], ["B", "/b"]]
    assert cache.pop("u1", "gone") == "gone"
    assert cache.add("m1") and not cache.add("m1")
    time.sleep(0.6)
    assert cache.add("m1")  # expired


def test_add_is_atomic_across_many_writers(redis_server) -> None:
    caches = [RedisTTLCache(redis.Redis.from_url(redis_server.url), "seen", 60) for _ in range(8)]
    wins: List[bool] = []
    barrier = threading.Barrier(8)

    def deliver(cache: RedisTTLCache) -> None:
        barrier.wait()
        wins.append(cache.add("msg:42"))

    threads = [threading.Thread(target=deliver, args=(c,)) for c in caches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]


def test_rate_limiter_is_shared_and_slides(client) -> None:
    one, two = RedisRateLimiter(client, limit=3, window=0.5), RedisRateLimiter(client, limit=3, window=0.5)
    assert [one.allow("rep"), two.allow("rep"), one.allow("rep"), two.allow("rep")] == [True, True, True, False]
    assert one.allow("other")
    time.sleep(0.55)
    assert two.allow("rep")


def test_flood_limit_is_shared_across_replicas_and_fails_open(monkeypatch, redis_server) -> None:
    from keqing.channels.intake import flood_guard
    from keqing.channels.limits import ALLOW, DROP, SLOW_DOWN
    from keqing.settings import Settings

    monkeypatch.setenv("KEQING_REDIS_URL", redis_server.url)
    conf = Settings(rate_limit_messages=2, rate_limit_seconds=5)
    one, two = flood_guard(conf), flood_guard(conf)
    rep = f"wecom:{uuid.uuid4().hex}"
    assert [one.check(rep), two.check(rep), one.check(rep), two.check(rep)] == [ALLOW, ALLOW, SLOW_DOWN, DROP]
    monkeypatch.setenv("KEQING_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    assert flood_guard(conf).check(rep) == ALLOW
