"""The durable inbox, its spool and the worker (keqing.channels.inbox) on SQLite and PostgreSQL, and the
WeCom sender's retries against a fake WeCom API on loopback."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
try:
    from tests import fakes
except ImportError:  # tests/ is not a package
    import fakes

from keqing.channels.inbox import Inbox, InboxItem, InboxWorker, Spool, Unavailable
from keqing.channels.inbox.worker import PermanentSendError
from keqing.channels.intake import DUPLICATE, SPOOLED, STORED, Intake
from keqing.channels.limits import FloodGuard
from keqing.db import migrate
from keqing.db.inbox_models import DONE, FAILED


@pytest.fixture
def inbox(db_url: str) -> Inbox:
    migrate(db_url)
    return Inbox(db_url)


class Handler:
    """A channel whose turns answer "<text>-1", "<text>-2" and whose sends are recorded."""

    channel = "wecom"

    def __init__(self) -> None:
        self.sent: List[tuple] = []
        self.busy: List[str] = []
        self.turns: List[str] = []
        self.up = True
        self.turn_delay: Dict[str, float] = {}
        self.send_failures = 0
        self.turn_failures = 0

    async def ready(self) -> bool:
        return self.up

    async def answer(self, item: InboxItem) -> List[Dict[str, Any]]:
        await asyncio.sleep(self.turn_delay.get(item.rep, 0))
        if self.turn_failures:
            self.turn_failures -= 1
            raise RuntimeError("turn crashed")
        self.turns.append(item.text)
        return [{"content": f"{item.text}-1"}, {"content": f"{item.text}-2"}]

    async def send(self, item: InboxItem, part: Dict[str, Any]) -> None:
        if self.send_failures:
            self.send_failures -= 1
            raise ConnectionError("network down")
        if part["content"].startswith("refused"):
            raise PermanentSendError("81013 user not in range")
        self.sent.append((item.rep, part["content"]))

    async def notify_busy(self, item: InboxItem) -> None:
        self.busy.append(item.text)

    def failure_parts(self, item: InboxItem) -> List[Dict[str, Any]]:
        return [{"content": "抱歉"}]


def worker(inbox: Inbox, handler: Handler, **kwargs: Any) -> InboxWorker:
    kwargs.setdefault("min_delay", 0.02)
    kwargs.setdefault("max_delay", 0.05)
    return InboxWorker(inbox, handler, **kwargs)


def test_accept_is_idempotent_per_delivery(inbox: Inbox) -> None:
    first = inbox.accept("wecom", "a", "msg:1", "你好", {"kind": "text"})
    assert first is not None
    assert inbox.accept("wecom", "a", "msg:1", "你好", {"kind": "text"}) is None  # a redelivery
    assert inbox.accept("slack", "a", "msg:1", "你好", {}) is not None  # another channel's key space
    inbox.accept("wecom", "b", "msg:2", "在吗", {})
    inbox.accept("wecom", "a", "msg:3", "下一步", {})
    assert inbox.open_reps("wecom") == ["a", "b"]
    item = inbox.next_for("wecom", "a")
    assert item is not None and (item.text, item.payload) == ("你好", {"kind": "text"})
    inbox.save_parts(item.id, [{"content": "x"}, {"content": "y"}])
    assert [p.payload for p in inbox.unsent_parts(item.id)] == [{"content": "x"}, {"content": "y"}]
    inbox.mark_sent(inbox.unsent_parts(item.id)[0].id)
    assert [p.payload for p in inbox.unsent_parts(item.id)] == [{"content": "y"}]
    inbox.finish(item.id)
    done = inbox.get(item.id)
    assert done is not None and done.status == DONE and done.text == "" and done.payload == {}  # nothing kept
    assert inbox.unsent_parts(item.id) == []
    assert inbox.next_for("wecom", "a").text == "下一步"  # type: ignore[union-attr]


async def test_worker_answers_each_rep_in_order_and_reps_in_parallel(inbox: Inbox) -> None:
    handler = Handler()
    handler.turn_delay = {"slow": 0.6}
    for i in range(3):
        inbox.accept("wecom", "slow", f"s{i}", f"慢{i}", {})
    inbox.accept("wecom", "fast", "f0", "快0", {})
    w = worker(inbox, handler)
    for rep in ("slow", "fast"):
        w.submit(rep)
    for _ in range(100):
        if ("fast", "快0-2") in handler.sent:
            break
        await asyncio.sleep(0.01)
    assert ("fast", "快0-2") in handler.sent  # not held up by the slow rep ...
    assert ("slow", "慢2-1") not in handler.sent  # ... whose turns are still running
    await w.idle()
    slow = [content for rep, content in handler.sent if rep == "slow"]
    assert slow == ["慢0-1", "慢0-2", "慢1-1", "慢1-2", "慢2-1", "慢2-2"]
    assert inbox.open_reps("wecom") == []


async def test_worker_finishes_what_a_crash_left(inbox: Inbox) -> None:
    # before the crash: m1 was accepted; m2 was answered and its first part sent; m3 is done
    m1 = inbox.accept("wecom", "a", "m1", "一", {})
    m2 = inbox.accept("wecom", "a", "m2", "二", {})
    m3 = inbox.accept("wecom", "a", "m3", "三", {})
    assert m1 and m2 and m3
    inbox.save_parts(m2, [{"content": "二-1"}, {"content": "二-2"}])
    inbox.mark_sent(inbox.unsent_parts(m2)[0].id)
    inbox.finish(m3)
    handler = Handler()
    w = worker(inbox, handler, sweep_every=60)
    w.start()  # what the server does on start-up
    await asyncio.sleep(0.2)
    await w.idle()
    await w.stop()
    assert handler.turns == ["一"]  # m2's turn is not run again
    assert handler.sent == [("a", "一-1"), ("a", "一-2"), ("a", "二-2")]  # in order, each part once
    assert inbox.open_reps("wecom") == []


async def test_dependency_down_rep_told_once_answered_when_back(inbox: Inbox) -> None:
    handler = Handler()
    handler.up = False
    inbox.accept("wecom", "a", "m1", "一", {})
    w = worker(inbox, handler)
    w.submit("a")
    await asyncio.sleep(0.3)
    assert handler.busy == ["一"] and handler.sent == []  # told at once, once, nothing lost
    assert inbox.next_for("wecom", "a") is not None
    handler.up = True
    await w.idle()
    assert handler.sent == [("a", "一-1"), ("a", "一-2")]
    assert handler.busy == ["一"]


async def test_slow_turn_gets_the_busy_notice_then_the_answer(inbox: Inbox) -> None:
    handler = Handler()
    handler.turn_delay = {"a": 0.3}
    inbox.accept("wecom", "a", "m1", "一", {})
    w = worker(inbox, handler, busy_after=0.05)
    w.submit("a")
    await w.idle()
    assert handler.busy == ["一"] and handler.sent == [("a", "一-1"), ("a", "一-2")]


async def test_failed_send_is_retried_in_order_and_refused_part_skipped(inbox: Inbox) -> None:
    handler = Handler()
    handler.send_failures = 2
    inbox.accept("wecom", "a", "m1", "一", {})
    inbox.accept("wecom", "a", "m2", "refused", {})
    inbox.accept("wecom", "a", "m3", "三", {})
    w = worker(inbox, handler)
    w.submit("a")
    await w.idle()
    assert handler.sent == [("a", "一-1"), ("a", "一-2"), ("a", "三-1"), ("a", "三-2")]
    assert inbox.open_reps("wecom") == []


async def test_turn_that_keeps_failing_gets_an_apology(inbox: Inbox) -> None:
    handler = Handler()
    handler.turn_failures = 5
    item = inbox.accept("wecom", "a", "m1", "一", {})
    w = worker(inbox, handler)
    w.submit("a")
    await w.idle()
    assert handler.sent == [("a", "抱歉")]
    assert inbox.get(item).status == FAILED  # type: ignore[arg-type, union-attr]


async def test_turn_unavailable_is_postponed_not_failed(inbox: Inbox) -> None:
    handler = Handler()
    calls = {"n": 0}

    async def answer(item: InboxItem) -> List[Dict[str, Any]]:
        calls["n"] += 1
        if calls["n"] <= 4:
            raise Unavailable("action server down")
        return [{"content": "好"}]

    handler.answer = answer  # type: ignore[method-assign]
    inbox.accept("wecom", "a", "m1", "一", {})
    w = worker(inbox, handler)
    w.submit("a")
    await w.idle()
    assert handler.sent == [("a", "好")] and handler.busy == ["一"]


def test_intake_spools_while_the_database_is_down_and_drains_in_order(inbox: Inbox, tmp_path: Path) -> None:
    from servers import free_port

    spool = Spool(tmp_path / "spool.jsonl")
    guard = FloodGuard.in_memory(30, 10)
    down = Intake("wecom", Inbox(f"postgresql+psycopg2://nobody@127.0.0.1:{free_port()}/x"), spool, guard, 2000)
    assert down.store("a", "m1", "一", {"kind": "text"}) == SPOOLED
    assert down.store("a", "m2", "二", {"kind": "text"}) == SPOOLED
    assert spool.pending() and oct(spool.path.stat().st_mode & 0o777) == "0o600"
    up = Intake("wecom", inbox, spool, guard, 2000)
    assert up.store("a", "m3", "三", {"kind": "text"}) == STORED  # the spooled ones go in first
    assert not spool.pending()
    assert up.store("a", "m1", "一", {}) == DUPLICATE
    texts = []
    while (item := inbox.next_for("wecom", "a")) is not None:
        texts.append(item.text)
        inbox.finish(item.id)
    assert texts == ["一", "二", "三"]


def test_intake_screens_length_and_floods(inbox: Inbox, tmp_path: Path) -> None:
    intake = Intake("slack", inbox, Spool(tmp_path / "s.jsonl"), FloodGuard.in_memory(2, 10), 5)
    refusal = intake.screen("a", "123456")
    assert refusal is not None and refusal.reason == "too_long" and "太长" in refusal.reply
    assert intake.screen("a", "12345") is None and intake.screen("a", "1") is None
    refusal = intake.screen("a", "1")
    assert refusal is not None and refusal.reason == "rate_limited" and "稍等" in refusal.reply
    assert intake.screen("a", "1").reply == ""  # type: ignore[union-attr]  # told once per window
    assert intake.screen("b", "1") is None


def test_purge_keeps_open_messages_and_recent_keys(inbox: Inbox) -> None:
    from datetime import datetime, timedelta

    done = inbox.accept("wecom", "a", "m1", "一", {})
    inbox.accept("wecom", "a", "m2", "二", {})
    inbox.finish(done)  # type: ignore[arg-type]
    now = datetime.utcnow()
    assert inbox.purge(now - timedelta(days=2)) == 0
    assert inbox.purge(now + timedelta(seconds=1)) == 1  # the done one
    assert inbox.next_for("wecom", "a").text == "二"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- WeCom sender retries


@pytest.fixture
def fake_wecom_api():
    api = fakes.FakeWeComAPI().start()
    yield api
    api.stop()


def wecom_settings(api_base: str):
    from keqing.channels.wecom import WeComSettings

    return WeComSettings.from_sources({"api_base": api_base}, {
        "WECOM_CORP_ID": fakes.WECOM_CORP_ID, "WECOM_AGENT_ID": fakes.WECOM_AGENT_ID, "WECOM_SECRET": fakes.WECOM_SECRET,
        "WECOM_TOKEN": fakes.WECOM_TOKEN, "WECOM_AES_KEY": fakes.WECOM_AES_KEY})


def test_sender_retries_busy_and_rate_limit_then_sends_once(fake_wecom_api) -> None:
    from keqing.channels.wecom import Outgoing, WeComSender

    sender = WeComSender(wecom_settings(fake_wecom_api.base_url))
    fake_wecom_api.fail((200, {"errcode": -1, "errmsg": "system busy"}),
                        (200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    parts = [Outgoing("markdown", "第一段"), Outgoing("markdown", "第二段"), Outgoing("text", "第三段")]
    for part in parts:
        sender.send_reliably("u1", part)
    assert [m[m["msgtype"]]["content"] for m in fake_wecom_api.sent.items] == ["第一段", "第二段", "第三段"]
    assert len(fake_wecom_api.attempts.items) == 5  # two refused, three delivered


def test_sender_does_not_retry_a_permanent_error(fake_wecom_api) -> None:
    from keqing.channels.wecom import Outgoing, WeComSender, WeComSendError

    sender = WeComSender(wecom_settings(fake_wecom_api.base_url))
    fake_wecom_api.fail((200, {"errcode": 81013, "errmsg": "user not in range"}))
    with pytest.raises(WeComSendError) as info:
        sender.send_reliably("u1", Outgoing("text", "你好"))
    assert not info.value.retryable and "81013" in str(info.value)
    assert len(fake_wecom_api.attempts.items) == 1


def test_sender_retries_a_network_error(fake_wecom_api) -> None:
    import requests

    from keqing.channels.wecom import Outgoing, WeComSender, is_retryable

    assert is_retryable(requests.ConnectionError("refused"))
    from servers import free_port

    dead = WeComSender(wecom_settings(f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(requests.ConnectionError):
        dead.send_reliably("u1", Outgoing("text", "你好"), attempts=2)




async def test_recovery_moves_every_channels_spooled_messages_into_the_inbox(inbox: Inbox, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.jsonl")
    spool.append({"channel": "slack", "rep": "U1", "message_key": "ev1", "text": "你好", "payload": {}})
    spool.append({"channel": "wecom", "rep": "a", "message_key": "m1", "text": "一", "payload": {}})
    handler = Handler()
    w = worker(inbox, handler, spool=spool)
    assert await w.recover() == 1  # the WeCom rep is woken
    await w.idle()
    assert handler.sent == [("a", "一-1"), ("a", "一-2")]
    assert not spool.pending()
    assert inbox.open_reps("slack") == ["U1"]  # waits for the Slack worker, not lost


def test_rep_lease_is_exclusive_until_released_or_expired(inbox: Inbox) -> None:
    assert inbox.claim("wecom", "a", "replica-1", 30)
    assert inbox.claim("wecom", "a", "replica-1", 30)  # renewal
    assert not inbox.claim("wecom", "a", "replica-2", 30)
    assert inbox.claim("slack", "a", "replica-2", 30)  # another channel's rep
    inbox.release("wecom", "a", "replica-2")  # not its lease: nothing happens
    assert not inbox.claim("wecom", "a", "replica-2", 30)
    inbox.release("wecom", "a", "replica-1")
    assert inbox.claim("wecom", "a", "replica-2", 0.2)
    import time
    time.sleep(0.3)  # replica-2 died holding it
    assert inbox.claim("wecom", "a", "replica-3", 30)


def _race(inbox: Inbox, rep: str, owners: int = 6) -> List[str]:
    """Owners that got the rep's lease when `owners` threads claim it at the same moment."""
    import threading

    wins: List[str] = []
    barrier = threading.Barrier(owners)

    def take(owner: str) -> None:
        barrier.wait()
        try:
            if inbox.claim("wecom", rep, owner, 30):
                wins.append(owner)
        except Exception:  # SQLite "database is locked" counts as not taken
            pass

    threads = [threading.Thread(target=take, args=(f"r{i}",)) for i in range(owners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return wins


def test_racing_replicas_take_a_free_or_expired_lease_once(inbox: Inbox) -> None:
    import time

    assert len(_race(inbox, "free")) == 1
    assert inbox.claim("wecom", "expired", "dead", 0.01)
    time.sleep(0.05)
    assert len(_race(inbox, "expired")) == 1


async def test_two_replicas_answer_every_message_once_and_in_order(inbox: Inbox) -> None:
    handlers = [Handler(), Handler()]
    for h in handlers:
        h.turn_delay = {f"rep{i}": 0.01 for i in range(4)}
    workers = [worker(inbox, h, owner=f"replica-{n}") for n, h in enumerate(handlers)]
    for i in range(6):
        for r in range(4):
            inbox.accept("wecom", f"rep{r}", f"k{r}-{i}", f"{r}/{i}", {})
            for w in workers:  # both replicas hear about every message (a shared sweep does the same)
                w.submit(f"rep{r}")
        await asyncio.sleep(0.005)
    for _ in range(400):
        if not inbox.open_reps("wecom"):
            break
        for w in workers:
            for r in range(4):
                w.submit(f"rep{r}")
        await asyncio.sleep(0.02)
    for w in workers:
        await w.idle()
    sent = handlers[0].sent + handlers[1].sent
    turns = handlers[0].turns + handlers[1].turns
    assert sorted(turns) == sorted(f"{r}/{i}" for r in range(4) for i in range(6))  # each turn ran once
    for r in range(4):
        mine = [c for rep, c in sent if rep == f"rep{r}"]
        assert sorted(mine) == sorted(f"{r}/{i}-{k}" for i in range(6) for k in (1, 2))
        for h in handlers:  # within a replica, a rep's parts go out in order
            part = [c for rep, c in h.sent if rep == f"rep{r}"]
            assert part == sorted(part, key=lambda c: (int(c.split("/")[1].split("-")[0]), c[-1]))


class ResumingHandler(Handler):
    """A channel whose tracker already holds the turn of message "二" (it ran before a crash)."""

    async def recorded(self, item: InboxItem) -> Any:
        return [{"content": "二-已记录"}] if item.text == "二" else None


async def test_takeover_sends_the_recorded_replies_instead_of_running_the_turn_again(inbox: Inbox) -> None:
    one = inbox.accept("wecom", "a", "m1", "一", {})
    two = inbox.accept("wecom", "a", "m2", "二", {})
    assert one and two
    assert inbox.claim("wecom", "a", "dead-replica", 0.05)
    assert inbox.mark_started(one) is False and inbox.mark_started(two) is False  # the dead replica's marks
    await asyncio.sleep(0.1)
    handler = ResumingHandler()
    w = worker(inbox, handler, owner="survivor")
    w.submit("a")
    await asyncio.sleep(0.1)
    await w.idle()
    assert handler.turns == ["一"]  # "一" had not reached the tracker: run once
    assert handler.sent == [("a", "一-1"), ("a", "一-2"), ("a", "二-已记录")]
    assert inbox.open_reps("wecom") == []
