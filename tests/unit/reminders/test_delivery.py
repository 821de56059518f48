"""Push delivery of reminders and the weekly digest (keqing.reminders.delivery) on SQLite and PostgreSQL,
with a fake clock and a recording sender."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any, List, Optional, Tuple

import pytest

from keqing.customers import CustomerMemory
from keqing.db import migrate
from keqing.dialogue import schedule
from keqing.dialogue.context import Services, Step
from keqing.dialogue.turn import Turn
from keqing.reminders import digest
from keqing.reminders.dates import parse_when
from keqing.reminders.delivery import FollowupDelivery
from keqing.reminders.store import LEASE

CH = "wecom"
# a Thursday afternoon; "下周三上午" is then Wednesday 2026-12-09 09:00
SET_AT = datetime(2026, 12, 3, 15, 0)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


class Outbox:
    """The channel's sender: records (sender, texts); fails while `failing` is set."""

    def __init__(self) -> None:
        self.sent: List[Tuple[str, List[str]]] = []
        self.failing = False

    async def __call__(self, sender: str, texts: List[str]) -> None:
        await asyncio.sleep(0)  # let a racing loop in between claim and send
        if self.failing:
            raise ConnectionError("network down")
        self.sent.append((sender, texts))


class FakeKB:
    def cadence_days(self, grade: Optional[str]) -> Optional[int]:
        return None


@pytest.fixture
def mem(db_url: str) -> CustomerMemory:
    migrate(db_url)
    return CustomerMemory(db_url)


def _loop(mem: CustomerMemory, clock: Clock, outbox: Outbox, kb: Any = None, worker: str = "a") -> FollowupDelivery:
    return FollowupDelivery(mem, CH, outbox, clock=clock, every=0.01, kb=kb, worker=worker)


def _remind(mem: CustomerMemory, sender: str = "u1", text: str = "下周三上午提醒我跟进孙总") -> datetime:
    when = parse_when(text, SET_AT)
    assert when is not None
    mem.add_reminder(CH, sender, "跟进孙总", when.at, mem.get_or_create_customer(CH, sender, "孙总"))
    return when.at


def test_reminder_is_pushed_once_at_its_time(mem: CustomerMemory) -> None:
    due = _remind(mem)
    assert due == datetime(2026, 12, 9, 9, 0)
    clock, outbox = Clock(due - timedelta(minutes=1)), Outbox()
    loop = _loop(mem, clock, outbox)
    assert asyncio.run(loop.tick()) == 0  # 8:59: not yet
    assert outbox.sent == []
    clock.at = due + timedelta(seconds=5)
    assert asyncio.run(loop.tick()) == 1
    assert outbox.sent == [("u1", ["⏰ 提醒:12月9日(周三)上午9:00:跟进孙总"])]
    clock.at = due + timedelta(hours=2)
    assert asyncio.run(loop.tick()) == 0  # delivered: never again
    assert len(outbox.sent) == 1
    assert mem.reminders(CH, "u1", include_delivered=True)[0].delivered_at is not None


def test_only_the_loops_own_channel(mem: CustomerMemory) -> None:
    mem.add_reminder("slack", "U1", "给王总回电话", SET_AT)
    outbox = Outbox()
    assert asyncio.run(_loop(mem, Clock(SET_AT + timedelta(days=1)), outbox).tick()) == 0
    assert outbox.sent == []


def test_two_racing_loops_deliver_once(mem: CustomerMemory) -> None:
    for i in range(6):
        mem.add_reminder(CH, f"u{i}", f"跟进客户{i}", SET_AT)
    clock, outbox = Clock(SET_AT + timedelta(minutes=1)), Outbox()
    a, b = _loop(mem, clock, outbox, worker="replica-a"), _loop(mem, clock, outbox, worker="replica-b")

    async def race() -> None:
        await asyncio.gather(a.tick(), b.tick(), a.tick(), b.tick())

    asyncio.run(race())
    assert sorted(s for s, _ in outbox.sent) == [f"u{i}" for i in range(6)]


def test_restart_does_not_send_again(db_url: str) -> None:
    migrate(db_url)
    mem = CustomerMemory(db_url)
    mem.add_reminder(CH, "u1", "跟进孙总", SET_AT)
    clock, outbox = Clock(SET_AT), Outbox()
    assert asyncio.run(_loop(mem, clock, outbox, worker="before").tick()) == 1
    again = CustomerMemory(db_url)  # a new process, a new worker name
    assert asyncio.run(_loop(again, clock, outbox, worker="after").tick()) == 0
    assert len(outbox.sent) == 1


def test_failed_send_is_retried_after_the_claim_expires(mem: CustomerMemory) -> None:
    mem.add_reminder(CH, "u1", "跟进孙总", SET_AT)
    clock, outbox = Clock(SET_AT), Outbox()
    loop = _loop(mem, clock, outbox)
    outbox.failing = True
    assert asyncio.run(loop.tick()) == 0
    outbox.failing = False
    clock.at = SET_AT + timedelta(minutes=1)
    assert asyncio.run(loop.tick()) == 0  # still claimed by the failed attempt
    clock.at = SET_AT + LEASE + timedelta(seconds=1)
    assert asyncio.run(_loop(mem, clock, outbox, worker="other").tick()) == 1
    assert len(outbox.sent) == 1


def test_pushed_reminder_is_not_said_again_at_the_next_turn(mem: CustomerMemory) -> None:
    mem.add_reminder(CH, "u1", "跟进孙总", SET_AT)
    clock = Clock(SET_AT + timedelta(minutes=1))
    asyncio.run(_loop(mem, clock, Outbox()).tick())
    schedule.set_clock(clock)
    try:
        step = Step(Turn(channel=CH, sender="u1", text="你好"), Services(FakeKB(), mem))  # type: ignore[arg-type]
        assert schedule.due_now(step) == []
        mem.add_reminder("rest", "u1", "给李经理发报价", SET_AT)  # the shell has no push: said at the turn
        shell = Step(Turn(channel="rest", sender="u1", text="你好"), Services(FakeKB(), mem))  # type: ignore[arg-type]
        assert schedule.due_now(shell) == ["12月3日(周四)下午3:00:给李经理发报价"]
        assert schedule.due_now(shell) == []
    finally:
        schedule.set_clock(datetime.now)


def test_loop_runs_on_its_own_and_stops(mem: CustomerMemory) -> None:
    mem.add_reminder(CH, "u1", "跟进孙总", SET_AT)
    outbox = Outbox()

    async def run() -> None:
        loop = _loop(mem, Clock(SET_AT), outbox)
        loop.start()
        for _ in range(200):
            if outbox.sent:
                break
            await asyncio.sleep(0.02)
        await loop.stop()

    asyncio.run(run())
    assert [s for s, _ in outbox.sent] == ["u1"]


# -- the weekly digest ---------------------------------------------------------------------------
def _monday_9(days_ahead: int = 15) -> datetime:
    """A Monday 9:00 at least `days_ahead` days after now (customers created now are overdue by then)."""
    day = (datetime.now() + timedelta(days=days_ahead)).date()
    day += timedelta(days=(7 - day.weekday()) % 7)
    return datetime.combine(day, datetime.min.time()).replace(hour=9)


def test_weekly_digest_once_per_rep_per_week(mem: CustomerMemory) -> None:
    mem.get_or_create_customer(CH, "u1", "孙总")
    mem.get_or_create_customer(CH, "u2", "李经理")
    mem.add_reminder(CH, "u3", "没有客户的人不收周报", SET_AT)
    monday = _monday_9()
    clock, outbox = Clock(monday - timedelta(minutes=1)), Outbox()
    loop = _loop(mem, clock, outbox, kb=FakeKB())
    assert asyncio.run(loop.deliver_digests()) == 0  # 8:59
    clock.at = monday
    other = _loop(mem, clock, outbox, kb=FakeKB(), worker="replica-b")

    async def race() -> None:
        await asyncio.gather(loop.deliver_digests(), other.deliver_digests())

    asyncio.run(race())
    assert sorted(s for s, _ in outbox.sent) == ["u1", "u2"]
    text = "\n".join(dict(outbox.sent)["u1"])
    days = (monday - datetime.utcnow()).days
    assert f"孙总 {days}天未跟进" in text or f"孙总 {days + 1}天未跟进" in text
    assert "关掉周报" in text
    clock.at = monday + timedelta(hours=3)
    assert asyncio.run(loop.deliver_digests()) == 0  # same week: not again
    clock.at = monday + timedelta(days=1)
    assert asyncio.run(loop.deliver_digests()) == 0  # Tuesday: not the digest's day
    clock.at = monday + timedelta(days=7)
    assert asyncio.run(loop.deliver_digests()) == 2  # next week
    assert len(outbox.sent) == 4


def test_digest_switched_off_sends_no_digest_but_still_reminders(mem: CustomerMemory) -> None:
    mem.get_or_create_customer(CH, "u1", "孙总")
    monday = _monday_9()
    outbox = Outbox()
    loop = FollowupDelivery(mem, CH, outbox, clock=Clock(monday), every=0.01, kb=FakeKB(), worker="a",
                            digest_enabled=False)
    assert asyncio.run(loop.deliver_digests()) == 0  # the digest's day and hour, but switched off
    assert asyncio.run(loop.tick()) == 0 and outbox.sent == []
    on = FollowupDelivery(mem, CH, outbox, clock=Clock(monday), every=0.01, kb=FakeKB(), worker="b")
    assert asyncio.run(on.deliver_digests()) == 1  # not claimed by the switched-off loop


def test_digest_enabled_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from keqing.settings import settings

    monkeypatch.delenv("KEQING_DIGEST_ENABLED", raising=False)
    assert settings().digest_enabled is True
    monkeypatch.setenv("KEQING_DIGEST_ENABLED", "false")
    assert settings().digest_enabled is False


def test_digest_opt_out_by_chat(mem: CustomerMemory) -> None:
    mem.get_or_create_customer(CH, "u1", "孙总")
    mem.get_or_create_customer(CH, "u2", "李经理")
    answer = digest.answer_command(mem, CH, "u1", "不要每周提醒了")
    assert answer is not None and "不再发" in answer[0].text
    assert mem.weekly_digest_on(CH, "u1") is False and mem.weekly_digest_on(CH, "u2") is True
    clock, outbox = Clock(_monday_9()), Outbox()
    asyncio.run(_loop(mem, clock, outbox, kb=FakeKB()).deliver_digests())
    assert [s for s, _ in outbox.sent] == ["u2"]
    answer = digest.answer_command(mem, CH, "u1", "打开周报")
    assert answer is not None and "已打开" in answer[0].text
    clock.at += timedelta(days=7)
    asyncio.run(_loop(mem, clock, outbox, kb=FakeKB()).deliver_digests())
    assert sorted(s for s, _ in outbox.sent[1:]) == ["u1", "u2"]


@pytest.mark.parametrize("text, on", [
    ("不要每周提醒了", False), ("关掉周报", False), ("周报别发了", False), ("以后别再发周报了", False),
    ("关闭每周提醒", False), ("打开周报", True), ("重新开启每周提醒", True), ("还是要周报", True),
    ("下周三上午提醒我跟进孙总", None), ("帮我写周报", None), ("孙总不要每周都打电话", None),
])
def test_digest_commands(text: str, on: Optional[bool]) -> None:
    assert digest.digest_command(text) is on
