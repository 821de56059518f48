"""A reminder set in a WeCom conversation is pushed to the rep through the (fake) WeCom API once, when due:
the servers' clock is moved forward through KEQING_CLOCK_OFFSET_FILE (tests/fakes.py)."""
from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import fakes  # noqa: E402
from test_wecom_protocol import encrypt, new_msg_id, new_user, post, text_xml  # noqa: E402

pytestmark = pytest.mark.server


@pytest.fixture(scope="session")
def stack(request):
    return fakes.shared_stack(request)


def _contents(stack, user: str) -> list:
    return [m[m["msgtype"]]["content"] for m in stack.wecom_api.sent_to(user) if m["msgtype"] in ("markdown", "text")]


def _pushes(stack, user: str) -> list:
    return [c for c in _contents(stack, user) if c.startswith("⏰")]


def test_reminder_set_in_wecom_is_pushed_once_when_due(stack):
    user = new_user("push")
    status, _, _ = post(stack, encrypt(text_xml(user, "明天上午10点提醒我跟进孙总", new_msg_id())))
    assert status == 200
    confirmed = stack.wecom_api.wait_sent_to(user, timeout=30)
    assert confirmed and "上午10:00" in _contents(stack, user)[0], stack.log_tail()

    time.sleep(2.5)  # the loop runs every second: nothing before the time
    assert _pushes(stack, user) == []

    local = datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    due = datetime.combine(local.date() + timedelta(days=1), datetime.min.time()).replace(hour=10)
    stack.clock_offset_file.write_text(str((due - local).total_seconds() + 2), encoding="utf-8")
    try:
        stack.wecom_api.sent.wait_for(lambda m: m.get("touser") == user and "⏰" in str(m.get(m["msgtype"])),
                                      timeout=20)
        pushed = _pushes(stack, user)
        assert len(pushed) == 1 and "跟进孙总" in pushed[0], stack.log_tail()
        assert "上午10:00" in pushed[0]
        time.sleep(2.5)
        assert len(_pushes(stack, user)) == 1  # once

        # the next turn does not say it again
        count = len(stack.wecom_api.sent_to(user))
        post(stack, encrypt(text_xml(user, "这周要跟进谁", new_msg_id())))
        assert len(stack.wecom_api.wait_sent_to(user, timeout=30, count=count + 1)) > count
        time.sleep(1)
        assert len(_pushes(stack, user)) == 1
        assert not any("⏰" in c for c in _contents(stack, user)[count:])
    finally:
        stack.clock_offset_file.write_text("0", encoding="utf-8")
