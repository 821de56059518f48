"""The ambiguous reply part: marked as being sent before the request, resent after a crash, and dropped by
WeCom's server-side duplicate check when the first request had been delivered (keqing.channels.inbox.worker,
keqing.channels.wecom.sender); and the fake WeCom API's implementation of that check (tests/fakes.py)."""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
try:
    from tests import fakes
except ImportError:  # tests/ is not a package
    import fakes

from keqing.channels.inbox import Inbox, InboxItem, InboxWorker, Spool
from keqing.channels.intake import Intake
from keqing.channels.limits import FloodGuard
from keqing.channels.wecom import Outgoing, WeComSender, WeComSettings
from keqing.channels.wecom.sender import duplicate_check_fields
from keqing.db import migrate

REP = "u1"


@pytest.fixture
def inbox(db_url: str) -> Inbox:
    migrate(db_url)
    return Inbox(db_url)


@pytest.fixture
def fake_wecom_api():
    api = fakes.FakeWeComAPI().start()
    yield api
    api.stop()


def wecom_settings(api_base: str) -> WeComSettings:
    return WeComSettings.from_sources({"api_base": api_base}, {
        "WECOM_CORP_ID": fakes.WECOM_CORP_ID, "WECOM_AGENT_ID": fakes.WECOM_AGENT_ID, "WECOM_SECRET": fakes.WECOM_SECRET,
        "WECOM_TOKEN": fakes.WECOM_TOKEN, "WECOM_AES_KEY": fakes.WECOM_AES_KEY})


def wecom_worker(inbox: Inbox, sender: WeComSender, tmp_path: Path) -> InboxWorker:
    """The WeCom adapter's inbox worker (channels.wecom._WeComTurns) on `inbox`, sending through `sender`."""
    from channels.wecom import WeComInput, _WeComTurns

    intake = Intake("wecom", inbox, Spool(tmp_path / "spool.jsonl"), FloodGuard.in_memory(30, 10), 2000)
    channel = WeComInput(sender.settings, sender=sender, intake=intake)

    async def no_turn(_message: Any) -> None:
        raise AssertionError("the turn had run: only its stored parts are sent")

    return InboxWorker(inbox, _WeComTurns(channel, no_turn), min_delay=0.02, max_delay=0.05)


def answered(inbox: Inbox, texts: List[str]) -> int:
    """A message whose turn ran and whose reply parts are stored, none sent yet."""
    item_id = inbox.accept("wecom", REP, "msg-1", "王总说一不二", {"kind": "text", "msg_id": "1"})
    assert item_id is not None
    inbox.save_parts(item_id, [Outgoing("markdown", text).to_part() for text in texts])
    return item_id


def contents(messages: List[Dict[str, Any]]) -> List[str]:
    return [m[m["msgtype"]]["content"] for m in messages]


# --------------------------------------------------------------------------- the store's states


def test_a_part_is_ambiguous_from_mark_sending_until_mark_sent(inbox: Inbox) -> None:
    item_id = answered(inbox, ["第一段", "第二段"])
    first, second = inbox.unsent_parts(item_id)
    assert (first.send_attempts, first.attempted_at, first.ambiguous) == (0, None, False)  # never attempted
    inbox.mark_sending(first.id)
    inbox.mark_sending(first.id)
    again = inbox.unsent_parts(item_id)[0]
    assert again.ambiguous and again.send_attempts == 2 and again.attempted_at is not None
    assert not inbox.unsent_parts(item_id)[1].ambiguous
    inbox.mark_sent(first.id)
    assert [p.id for p in inbox.unsent_parts(item_id)] == [second.id]


async def test_worker_marks_the_part_before_sending_it(inbox: Inbox, caplog: pytest.LogCaptureFixture) -> None:
    item_id = answered(inbox, ["第一段", "第二段"])
    seen: List[Tuple[int, int]] = []  # (position, its send_attempts in the database while being sent)

    class Handler:
        channel = "wecom"

        async def send(self, item: InboxItem, part: Dict[str, Any]) -> None:
            state = {p.payload["content"]: p for p in inbox.unsent_parts(item.id)}[part["content"]]
            seen.append((state.position, state.send_attempts))

    caplog.set_level(logging.INFO)
    w = InboxWorker(inbox, Handler(), min_delay=0.02, max_delay=0.05)  # type: ignore[arg-type]
    w.submit(REP)
    await w.idle()
    assert seen == [(0, 1), (1, 1)]  # committed as "being sent" before the request
    assert inbox.get(item_id).status == "done"  # type: ignore[union-attr]
    assert "resending" not in caplog.text  # parts never attempted go out normally


async def test_ambiguous_part_without_duplicate_check_is_resent_and_logged(inbox: Inbox,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    item_id = answered(inbox, ["第一段"])
    inbox.mark_sending(inbox.unsent_parts(item_id)[0].id)  # a replica died during this send
    sent: List[str] = []

    class Handler:  # a channel without a server-side duplicate check (like Slack): no duplicate_check_seconds
        channel = "wecom"

        async def send(self, item: InboxItem, part: Dict[str, Any]) -> None:
            sent.append(part["content"])

    w = InboxWorker(inbox, Handler(), min_delay=0.02, max_delay=0.05)  # type: ignore[arg-type]
    w.submit(REP)
    await w.idle()
    assert sent == ["第一段"]
    assert "resending reply part 0 to u1 after 1 unconfirmed attempt(s)" in caplog.text
    assert "the rep sees it twice" in caplog.text
    assert "王总" not in caplog.text  # the rep's words are not logged


# --------------------------------------------------------------------------- WeCom, end to end in process


async def test_ambiguous_part_delivered_before_is_resent_with_the_flag_and_dropped_by_wecom(
        inbox: Inbox, fake_wecom_api: fakes.FakeWeComAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sender = WeComSender(wecom_settings(fake_wecom_api.base_url), duplicate_check_seconds=600)
    item_id = answered(inbox, ["第一段", "第二段"])
    first = inbox.unsent_parts(item_id)[0]
    # the replica that died: marked the part, WeCom delivered it and answered 200, then SIGKILL before mark_sent
    inbox.mark_sending(first.id)
    sender.send(REP, Outgoing.from_part(first.payload), duplicate_check=True)
    assert contents(fake_wecom_api.sent.items) == ["第一段"]

    w = wecom_worker(inbox, sender, tmp_path)  # the next lease holder
    w.submit(REP)
    await w.idle()
    assert contents(fake_wecom_api.sent.items) == ["第一段", "第二段"]  # each delivered once
    assert contents(fake_wecom_api.suppressed.items) == ["第一段"]  # the resend, dropped by WeCom
    for request in fake_wecom_api.attempts.items:
        assert (request["enable_duplicate_check"], request["duplicate_check_interval"]) == (1, 600)
    assert inbox.get(item_id).status == "done"  # type: ignore[union-attr]
    assert "resending reply part 0 to u1 after 1 unconfirmed attempt(s)" in caplog.text
    assert "duplicate check (600 s) suppresses it" in caplog.text
    assert fakes.WECOM_SECRET not in caplog.text and fakes.WECOM_ACCESS_TOKEN not in caplog.text


async def test_ambiguous_part_that_never_reached_wecom_is_delivered(
        inbox: Inbox, fake_wecom_api: fakes.FakeWeComAPI, tmp_path: Path) -> None:
    sender = WeComSender(wecom_settings(fake_wecom_api.base_url), duplicate_check_seconds=600)
    item_id = answered(inbox, ["第一段"])
    inbox.mark_sending(inbox.unsent_parts(item_id)[0].id)  # died before the request left
    w = wecom_worker(inbox, sender, tmp_path)
    w.submit(REP)
    await w.idle()
    assert contents(fake_wecom_api.sent.items) == ["第一段"]
    assert fake_wecom_api.suppressed.items == []


async def test_parts_never_attempted_are_sent_normally(inbox: Inbox, fake_wecom_api: fakes.FakeWeComAPI,
                                                       tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sender = WeComSender(wecom_settings(fake_wecom_api.base_url), duplicate_check_seconds=600)
    answered(inbox, ["第一段", "第二段"])
    w = wecom_worker(inbox, sender, tmp_path)
    w.submit(REP)
    await w.idle()
    assert contents(fake_wecom_api.sent.items) == ["第一段", "第二段"]
    assert len(fake_wecom_api.attempts.items) == 2 and fake_wecom_api.suppressed.items == []
    assert "resending" not in caplog.text


async def test_without_the_check_the_ambiguous_part_reaches_the_rep_twice(
        inbox: Inbox, fake_wecom_api: fakes.FakeWeComAPI, tmp_path: Path) -> None:
    """Why the server-side check: a client alone can only choose at-least-once (this) or at-most-once."""
    sender = WeComSender(wecom_settings(fake_wecom_api.base_url), duplicate_check_seconds=0)
    item_id = answered(inbox, ["第一段"])
    inbox.mark_sending(inbox.unsent_parts(item_id)[0].id)
    sender.send(REP, Outgoing("markdown", "第一段"), duplicate_check=True)  # 0: the flag is not sent
    w = wecom_worker(inbox, sender, tmp_path)
    w.submit(REP)
    await w.idle()
    assert contents(fake_wecom_api.sent.items) == ["第一段", "第一段"]
    assert all("enable_duplicate_check" not in r for r in fake_wecom_api.attempts.items)


def test_only_reply_parts_carry_the_flag(fake_wecom_api: fakes.FakeWeComAPI) -> None:
    sender = WeComSender(wecom_settings(fake_wecom_api.base_url), duplicate_check_seconds=600)
    sender.send_reliably(REP, Outgoing("text", "系统有点忙"))  # a notice or a push: no check
    sender.send_reliably(REP, Outgoing("text", "系统有点忙"))
    assert len(fake_wecom_api.sent.items) == 2
    assert all("enable_duplicate_check" not in r for r in fake_wecom_api.attempts.items)


def test_duplicate_check_fields_and_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert duplicate_check_fields(0) == {}
    assert duplicate_check_fields(600) == {"enable_duplicate_check": 1, "duplicate_check_interval": 600}
    assert duplicate_check_fields(10 ** 6)["duplicate_check_interval"] == 4 * 3600  # WeCom's maximum
    settings_ = wecom_settings("http://127.0.0.1:9")
    monkeypatch.delenv("KEQING_WECOM_DUPLICATE_CHECK_SECONDS", raising=False)
    assert WeComSender(settings_, client=object()).duplicate_check_seconds == 600  # the default
    monkeypatch.setenv("KEQING_WECOM_DUPLICATE_CHECK_SECONDS", "0")
    assert WeComSender(settings_, client=object()).duplicate_check_seconds == 0
    monkeypatch.setenv("KEQING_WECOM_DUPLICATE_CHECK_SECONDS", "20000")
    with pytest.raises(ValueError):  # above WeCom's 4 hours: refused at start-up
        WeComSender(settings_, client=object())


# --------------------------------------------------------------------------- the fake's duplicate check


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def message(content: str = "第一段", touser: str = REP, agentid: Any = 1000002, msgtype: str = "markdown",
            **extra: Any) -> Dict[str, Any]:
    return {"touser": touser, "toparty": "", "totag": "", "agentid": agentid, "msgtype": msgtype,
            msgtype: {"content": content}, **extra}


FLAG = {"enable_duplicate_check": 1, "duplicate_check_interval": 600}


def test_fake_check_drops_the_same_message_within_the_interval_only_with_the_flag() -> None:
    clock = Clock()
    check = fakes.WeComDuplicateCheck(clock)
    assert check.admit(message(**FLAG))
    assert not check.admit(message(**FLAG))  # same app, rep, type, content, within 600 s
    assert check.admit(message())  # without the flag: delivered
    clock.now += 599
    assert not check.admit(message(**FLAG))  # within 600 s of the last delivery
    clock.now += 1
    assert check.admit(message(**FLAG))  # 600 s after the last delivery: delivered again


def test_fake_check_keys_on_app_rep_type_and_content() -> None:
    check = fakes.WeComDuplicateCheck(Clock())
    assert check.admit(message(**FLAG))
    assert check.admit(message("第二段", **FLAG))
    assert check.admit(message(touser="u2", **FLAG))
    assert check.admit(message(agentid=1000003, **FLAG))
    assert check.admit(message(msgtype="text", **FLAG))
    assert not check.admit(message(agentid="1000002", **FLAG))  # agentid as a string is the same app


def test_fake_check_default_and_maximum_interval() -> None:
    clock = Clock()
    check = fakes.WeComDuplicateCheck(clock)
    assert check.admit(message(enable_duplicate_check=1))
    clock.now += 1799
    assert not check.admit(message(enable_duplicate_check=1))  # default 1800 s
    clock.now += 1
    assert check.admit(message(enable_duplicate_check=1))
    clock.now += 4 * 3600 - 1
    assert not check.admit(message(enable_duplicate_check=1, duplicate_check_interval=10 ** 6))  # at most 4 h
    clock.now += 1
    assert check.admit(message(enable_duplicate_check=1, duplicate_check_interval=10 ** 6))


def test_fake_api_counts_dropped_duplicates_separately(fake_wecom_api: fakes.FakeWeComAPI) -> None:
    sender = WeComSender(wecom_settings(fake_wecom_api.base_url), duplicate_check_seconds=600)
    assert sender.send(REP, Outgoing("markdown", "第一段"), duplicate_check=True)["errcode"] == 0
    assert sender.send(REP, Outgoing("markdown", "第一段"), duplicate_check=True)["errcode"] == 0
    assert len(fake_wecom_api.attempts.items) == 2
    assert contents(fake_wecom_api.sent.items) == ["第一段"]
    assert contents(fake_wecom_api.suppressed.items) == ["第一段"]
    assert fake_wecom_api.sent_to(REP) == fake_wecom_api.sent.items  # what the rep sees
