"""The ambiguous reply part: marked as being sent before the request, resent after a crash, and dropped by
WeCom's server-side duplicate check when the first request had been delivered (keqing.channels.inbox.worker,
keqing.channels.wecom.sender); which parts carry the check (a legitimate repeat does not, so it is delivered);
and the fake WeCom API's implementation of that check (tests/fakes.py)."""
from __future__ import annotations

import logging
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
try:
    from tests import fakes
except ImportError:  # tests/ is not a package
    import fakes

from keqing.channels.inbox import Inbox, InboxItem, InboxWorker, Spool
from keqing.channels.inbox.store import FINGERPRINT_KEEP, content_hash
from keqing.channels.intake import Intake
from keqing.channels.limits import FloodGuard
from keqing.channels.wecom import Outgoing, WeComSender, WeComSettings
from keqing.channels.wecom.sender import duplicate_check_fields
from keqing.db import get_engine, migrate
from keqing.db.inbox_models import OutboxPart

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


@pytest.fixture(params=[True, False], ids=["compares-every-send", "compares-flagged-sends-only"])
def either_wecom_api(request):
    """The fake under both readings of WeCom's check (tests/fakes.py `WeComDuplicateCheck`)."""
    api = fakes.FakeWeComAPI(compare_unflagged=request.param).start()
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


def answered(inbox: Inbox, texts: List[str], key: str = "msg-1", rep: str = REP) -> int:
    """A message whose turn ran and whose reply parts are stored, none sent yet."""
    item_id = inbox.accept("wecom", rep, key, "王总说一不二", {"kind": "text", "msg_id": key})
    assert item_id is not None
    inbox.save_parts(item_id, [Outgoing("markdown", text).to_part() for text in texts])
    return item_id


def contents(messages: List[Dict[str, Any]]) -> List[str]:
    return [m[m["msgtype"]]["content"] for m in messages]


def flags(messages: List[Dict[str, Any]]) -> List[bool]:
    """Whether each request carried WeCom's duplicate check."""
    return [m.get("enable_duplicate_check") == 1 for m in messages]


async def answer_all(inbox: Inbox, sender: WeComSender, tmp_path: Path, rep: str = REP) -> None:
    w = wecom_worker(inbox, sender, tmp_path)
    w.submit(rep)
    await w.idle()


def age_sent_parts(db_url: str, seconds: float) -> None:
    """Move every sent part's `sent_at` `seconds` into the past."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(get_engine(db_url), future=True) as s, s.begin():  # in Python: SQLite has no datetime arithmetic
        for part in s.execute(select(OutboxPart).where(OutboxPart.sent_at.is_not(None))).scalars():
            part.sent_at = part.sent_at - timedelta(seconds=seconds)


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
        inbox: Inbox, either_wecom_api: fakes.FakeWeComAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The resend after a simulated crash is suppressed, whichever earlier sends WeCom compares with: the
    interrupted first attempt carried the flag too (a part never attempted, no identical recent send)."""
    fake_wecom_api = either_wecom_api
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
    assert fake_wecom_api.repeated.items == []
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


async def test_legitimate_repeat_within_the_window_is_delivered(
        inbox: Inbox, db_url: str, either_wecom_api: fakes.FakeWeComAPI, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """The same question twice within the window gets the same answer twice: the second goes out without
    the check (WeCom would drop it), so it reaches the rep, under either reading of the check."""
    api = either_wecom_api
    sender = WeComSender(wecom_settings(api.base_url), duplicate_check_seconds=600)
    first = answered(inbox, ["王总是决策人", "下一步约技术交流"], key="msg-1")
    await answer_all(inbox, sender, tmp_path)
    age_sent_parts(db_url, 300)  # five minutes later, the rep asks the same again
    caplog.set_level(logging.INFO)
    second = answered(inbox, ["王总是决策人", "约个时间见面"], key="msg-2")
    await answer_all(inbox, sender, tmp_path)
    assert contents(api.sent.items) == ["王总是决策人", "下一步约技术交流", "王总是决策人", "约个时间见面"]
    assert api.suppressed.items == []  # nothing silenced
    assert contents(api.repeated.items) == ["王总是决策人"]  # counted as sent: a delivered repeat
    assert flags(api.attempts.items) == [True, True, False, True]  # only the repeated part goes without the check
    assert "repeats one sent within 600 s: sent without the duplicate check" in caplog.text
    assert "王总" not in caplog.text  # the text is not logged
    assert inbox.get(first).status == inbox.get(second).status == "done"  # type: ignore[union-attr]


async def test_identical_parts_of_one_reply_are_both_delivered(inbox: Inbox, fake_wecom_api: fakes.FakeWeComAPI,
                                                                tmp_path: Path) -> None:
    sender = WeComSender(wecom_settings(fake_wecom_api.base_url), duplicate_check_seconds=600)
    answered(inbox, ["好的", "好的"])
    await answer_all(inbox, sender, tmp_path)
    assert contents(fake_wecom_api.sent.items) == ["好的", "好的"]
    assert flags(fake_wecom_api.attempts.items) == [True, False]


async def test_never_attempted_part_without_an_identical_recent_send_goes_out_flagged(
        inbox: Inbox, db_url: str, tmp_path: Path) -> None:
    clock = Clock()  # WeCom's clock, moved with the outbox's
    api = fakes.FakeWeComAPI(clock=clock).start()
    try:
        sender = WeComSender(wecom_settings(api.base_url), duplicate_check_seconds=600)
        answered(inbox, ["第一段"], key="msg-1")
        await answer_all(inbox, sender, tmp_path)  # nothing sent before: flagged
        answered(inbox, ["第二段"], key="msg-2")
        await answer_all(inbox, sender, tmp_path)  # other content: flagged
        answered(inbox, ["第一段"], key="msg-3", rep="u2")
        await answer_all(inbox, sender, tmp_path, rep="u2")  # the same content to another rep: flagged
        age_sent_parts(db_url, 600 + 61)  # beyond the window and its clock margin
        clock.now += 600 + 61
        answered(inbox, ["第一段"], key="msg-4")
        await answer_all(inbox, sender, tmp_path)  # the same content, but sent long ago: flagged
    finally:
        api.stop()
    assert flags(api.attempts.items) == [True, True, True, True]
    for sent in api.attempts.items:
        assert (sent["enable_duplicate_check"], sent["duplicate_check_interval"]) == (1, 600)
    assert len(api.sent.items) == 4 and api.suppressed.items == []


async def test_an_interrupted_repeat_is_resent_with_the_flag(inbox: Inbox, fake_wecom_api: fakes.FakeWeComAPI,
                                                              tmp_path: Path) -> None:
    """Rule 2 wins over rule 1: a part attempted before and not confirmed always carries the check, even when
    its text is a legitimate repeat (WeCom then drops it because of the earlier identical delivery: the rep
    has that text on screen from a moment ago; docs/channels.md §7)."""
    sender = WeComSender(wecom_settings(fake_wecom_api.base_url), duplicate_check_seconds=600)
    answered(inbox, ["第一段"], key="msg-1")
    await answer_all(inbox, sender, tmp_path)
    item_id = answered(inbox, ["第一段"], key="msg-2")
    part = inbox.unsent_parts(item_id)[0]
    inbox.mark_sending(part.id)  # the repeat's send began, unflagged; the replica died
    sender.send(REP, Outgoing.from_part(part.payload), duplicate_check=False)
    await answer_all(inbox, sender, tmp_path)
    assert flags(fake_wecom_api.attempts.items) == [True, False, True]
    assert contents(fake_wecom_api.sent.items) == ["第一段", "第一段"]  # the rep got both answers
    assert contents(fake_wecom_api.suppressed.items) == ["第一段"]  # and not the resend
    assert inbox.get(item_id).status == "done"  # type: ignore[union-attr]


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


# --------------------------------------------------------------------------- fingerprints of sent parts


def test_sent_parts_keep_their_fingerprint_without_the_text(inbox: Inbox, db_url: str) -> None:
    item_id = answered(inbox, ["第一段", "第二段"])
    first, second = inbox.unsent_parts(item_id)
    assert first.content_hash == content_hash({"msgtype": "markdown", "content": "第一段"})
    assert not inbox.sent_recently("wecom", REP, first.content_hash, 600)  # not sent yet
    inbox.mark_sending(first.id)
    assert not inbox.sent_recently("wecom", REP, first.content_hash, 600)  # attempted is not sent
    inbox.mark_sent(first.id)
    inbox.mark_sent(second.id)
    assert inbox.sent_recently("wecom", REP, first.content_hash, 600)
    assert not inbox.sent_recently("wecom", REP, first.content_hash, 600, exclude_part=first.id)
    assert not inbox.sent_recently("wecom", "u2", first.content_hash, 600)  # another rep
    assert not inbox.sent_recently("slack", REP, first.content_hash, 600)  # another channel
    inbox.finish(item_id)
    assert inbox.sent_recently("wecom", REP, first.content_hash, 600)  # outlives the message
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(get_engine(db_url), future=True) as s:
        kept = list(s.execute(select(OutboxPart)).scalars())
    assert [(p.payload, p.sent_at is not None) for p in kept] == [({}, True), ({}, True)]  # no text kept
    age_sent_parts(db_url, 601)
    assert not inbox.sent_recently("wecom", REP, first.content_hash, 600)  # beyond the window


def test_fingerprints_are_deleted_after_the_longest_window(inbox: Inbox, db_url: str) -> None:
    old = answered(inbox, ["第一段"], key="msg-1")
    inbox.mark_sent(inbox.unsent_parts(old)[0].id)
    inbox.finish(old)
    age_sent_parts(db_url, FINGERPRINT_KEEP.total_seconds() + 1)
    new = answered(inbox, ["第二段"], key="msg-2")
    inbox.mark_sent(inbox.unsent_parts(new)[0].id)
    inbox.finish(new)  # the rep's older fingerprints go
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(get_engine(db_url), future=True) as s:
        assert [p.inbox_id for p in s.execute(select(OutboxPart)).scalars()] == [new]
    assert inbox.purge(datetime.utcnow() + timedelta(seconds=1)) == 2
    with Session(get_engine(db_url), future=True) as s:
        assert list(s.execute(select(OutboxPart)).scalars()) == []


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


def test_fake_check_classifies_a_repeat_without_the_flag_as_delivered() -> None:
    clock = Clock()
    check = fakes.WeComDuplicateCheck(clock)
    assert check.classify(message(**FLAG)) == "delivered"
    assert check.classify(message()) == "repeat"  # no flag: delivered, and counted as a repeat
    assert check.classify(message(**FLAG)) == "suppressed"
    clock.now += 1800
    assert check.classify(message()) == "delivered"  # beyond the (default) interval: not a repeat


def test_fake_check_under_the_other_reading_compares_flagged_sends_only() -> None:
    clock = Clock()
    every, flagged_only = fakes.WeComDuplicateCheck(clock), fakes.WeComDuplicateCheck(clock, compare_unflagged=False)
    for check in (every, flagged_only):
        assert check.admit(message())  # an unflagged delivery
    assert not every.admit(message(**FLAG))  # the assumed reading: compared with it
    assert flagged_only.admit(message(**FLAG))  # the other: not compared; this flagged one is remembered
    assert not flagged_only.admit(message(**FLAG))
