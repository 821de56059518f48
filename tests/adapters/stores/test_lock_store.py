"""Two Rasa replicas racing on one conversation, on a real Redis: Rasa's RedisLockStore lets both in,
KeqingRedisLockStore never does."""
from __future__ import annotations

import asyncio
import multiprocessing
import threading
import uuid
from typing import Any, List

import pytest
import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import RedisLockStore

from stores.lock_store import KeqingRedisLockStore


class PausingRasaStore(RedisLockStore):
    """Rasa's store with a rendezvous between its read and its write of the lock: the moment two
    replicas both take a ticket for the same conversation."""

    def __init__(self, port: int, barrier: threading.Barrier) -> None:
        super().__init__(host="127.0.0.1", port=port, db=0)
        self.barrier = barrier

    def get_or_create_lock(self, conversation_id: str) -> TicketLock:
        lock = super().get_or_create_lock(conversation_id)
        self.barrier.wait(timeout=10)
        return lock


def race(stores: List[Any], conversation_id: str, before_ticket: threading.Barrier | None = None) -> int:
    """Each store (a replica) handles one message of the conversation at the same moment; returns the
    largest number of messages that were inside the lock together."""
    inside, most = [0], [0]
    guard = threading.Lock()

    async def handle(store: Any) -> None:
        if before_ticket is not None:
            before_ticket.wait(timeout=10)
        async with store.lock(conversation_id):
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            await asyncio.sleep(0.2)  # the turn
            with guard:
                inside[0] -= 1

    threads = [threading.Thread(target=asyncio.run, args=(handle(s),)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return most[0]


def test_rasas_redis_lock_store_lets_two_replicas_in_at_once(redis_server) -> None:
    barrier = threading.Barrier(2)
    replicas = [PausingRasaStore(redis_server.port, barrier) for _ in range(2)]
    assert race(replicas, "rep-" + uuid.uuid4().hex) == 2  # the race this store exists to fix


def test_keqing_lock_store_serves_one_replica_at_a_time(redis_server) -> None:
    replicas = [KeqingRedisLockStore(url=redis_server.url) for _ in range(2)]
    for _ in range(5):
        assert race(replicas, "rep-" + uuid.uuid4().hex, threading.Barrier(2)) == 1


def _replica(url: str, conversation_id: str, messages: int, start: Any, out: Any) -> None:
    """One replica process: `messages` concurrent turns of the same conversation."""
    store = KeqingRedisLockStore(url=url)
    red = redis.Redis.from_url(url)
    served: List[int] = []

    async def turn(i: int) -> None:
        async with store.lock(conversation_id) as lock:
            if red.incr(f"{conversation_id}:inside") > 1:
                red.incr(f"{conversation_id}:overlaps")
            served.append(lock.now_serving or 0)
            await asyncio.sleep(0.005)
            red.decr(f"{conversation_id}:inside")

    async def main() -> None:
        await asyncio.gather(*(turn(i) for i in range(messages)))

    start.wait(timeout=30)
    asyncio.run(main())
    out.put(served)


def test_two_replica_processes_never_overlap_and_tickets_are_unique(redis_server) -> None:
    ctx = multiprocessing.get_context("spawn")
    conversation_id = "rep-" + uuid.uuid4().hex
    start, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_replica, args=(redis_server.url, conversation_id, 25, start, out)) for _ in range(2)]
    for p in procs:
        p.start()
    served = out.get(timeout=120) + out.get(timeout=120)
    for p in procs:
        p.join(timeout=30)
    red = redis.Redis.from_url(redis_server.url)
    assert int(red.get(f"{conversation_id}:overlaps") or 0) == 0
    assert len(served) == 50 and len(set(served)) == 50  # every message had its own ticket
    assert red.keys(f"keqing:lock:{conversation_id}:*") == []  # the last one out cleaned up


def test_ticket_of_a_dead_replica_expires(redis_server) -> None:
    store = KeqingRedisLockStore(url=redis_server.url)
    conversation_id = "rep-" + uuid.uuid4().hex
    dead = store.issue_ticket(conversation_id, lock_lifetime=0.3)  # taken, never released

    async def next_turn() -> float:
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with store.lock(conversation_id):
            return loop.time() - started

    waited = asyncio.run(next_turn())
    assert 0.2 < waited < 3
    assert store.try_acquire(conversation_id, dead) == -1


def test_lock_waits_for_earlier_ticket_then_serves_in_order(redis_server) -> None:
    store = KeqingRedisLockStore(url=redis_server.url)
    conversation_id = "rep-" + uuid.uuid4().hex
    order: List[int] = []

    async def turn(i: int) -> None:
        async with store.lock(conversation_id):
            order.append(i)
            await asyncio.sleep(0.01)

    async def main() -> None:
        tasks = []
        for i in range(6):
            tasks.append(asyncio.ensure_future(turn(i)))
            await asyncio.sleep(0)  # each takes its ticket before the next starts
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert order == list(range(6))


@pytest.fixture(autouse=True)
def _redis_flush(redis_server):
    yield
    redis.Redis.from_url(redis_server.url).flushdb()
