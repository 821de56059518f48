"""Shared channel state on a real Redis: the same answers as the in-memory cache, atomic across replicas."""
from __future__ import annotations

import threading
import time
import uuid
from typing import List

import pytest
import redis

from keqing.channels.state import RedisRateLimiter, RedisTTLCache, TTLCache, shared_cache
from keqing.channels.wecom.inbox import MemoryInbox, RedisInbox


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


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_inbox_queues_in_order_once_and_hands_over(kind, client) -> None:
    inbox = MemoryInbox() if kind == "memory" else RedisInbox(client, prefix=f"t{uuid.uuid4().hex}:", lease_seconds=0.3)
    item = lambda n: {"id": f"msg:{n}", "user": "rep1", "text": f"第{n}条"}
    assert inbox.accept(item(1), 60) and inbox.accept(item(2), 60)
    assert not inbox.accept(item(1), 60)  # WeCom's retry of message 1
    assert inbox.claim("rep1", "replica-a") and not inbox.claim("rep1", "replica-b")
    head = inbox.head("rep1")
    assert head is not None and head["text"] == "第1条"
    assert inbox.start("rep1", "msg:1") is False and inbox.start("rep1", "msg:1") is True
    assert not inbox.done("rep1", "replica-b", "msg:1")  # not its lease
    assert inbox.done("rep1", "replica-a", "msg:1")
    assert not inbox.release("rep1", "replica-a")  # message 2 is still queued
    if kind == "redis":  # replica-a dies holding the lease: it expires, the queue is an orphan
        time.sleep(0.4)
        assert inbox.orphans() == ["rep1"]
        assert inbox.claim("rep1", "replica-b")
        assert inbox.orphans() == []
        owner = "replica-b"
    else:
        owner = "replica-a"
    head = inbox.head("rep1")
    assert head is not None and head["text"] == "第2条"
    assert inbox.done("rep1", owner, "msg:2")
    assert inbox.head("rep1") is None and inbox.release("rep1", owner)
    assert inbox.claim("rep1", "replica-c")  # free again
