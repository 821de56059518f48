"""Slack channel: signed Events API requests to a running Rasa server, replies to a fake Slack API."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import sys
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
try:
    from tests import fakes
except ImportError:  # tests/ is not a package
    import fakes

CHINESE = re.compile(r"[\u4e00-\u9fff]")
WEBHOOK = "/webhooks/slack/webhook"
BOT_USER = "UBOTKEQING"


def sign(body: bytes, timestamp: Optional[str] = None, secret: str = fakes.SLACK_SIGNING_SECRET) -> Dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 over "v0:{timestamp}:{body}" with the signing secret."""
    timestamp = timestamp or str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def event_body(event: Dict[str, Any], event_id: Optional[str] = None) -> bytes:
    return json.dumps({
        "token": "ignored", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
        "event_id": event_id or "Ev" + uuid.uuid4().hex[:10].upper(), "event_time": int(time.time()),
        "authorizations": [{"user_id": BOT_USER, "is_bot": True}], "event": event,
    }, ensure_ascii=False).encode("utf-8")


def new_ids() -> Dict[str, str]:
    tag = uuid.uuid4().hex[:8].upper()
    return {"user": f"U{tag}", "channel": f"C{tag}", "dm": f"D{tag}", "ts": f"{int(time.time())}.{tag[:6]}"}


@pytest.fixture(scope="session")
def stack(request):
    return fakes.shared_stack(request)


def post_event(stack, body: bytes, headers: Optional[Dict[str, str]] = None, signed: bool = True):
    all_headers = {"Content-Type": "application/json", **(sign(body) if signed else {}), **(headers or {})}
    return fakes.http("POST", stack.base_url + WEBHOOK, body, all_headers)


@pytest.mark.server
def test_mention_in_channel_is_answered_in_its_thread(stack):
    ids = new_ids()
    body = event_body({"type": "app_mention", "user": ids["user"], "text": f"<@{BOT_USER}> 你好",
                       "ts": ids["ts"], "channel": ids["channel"], "event_ts": ids["ts"]})
    status, _, _ = post_event(stack, body)
    assert status == 200
    posts = stack.slack_api.wait_posts_to(ids["channel"], timeout=30)
    assert posts, stack.log_tail()
    assert all(p.get("thread_ts") == ids["ts"] for p in posts)
    text = " ".join(str(p.get("text") or "") for p in posts)
    assert CHINESE.search(text)
    assert stack.wait_user_texts(ids["user"]) == ["你好"]  # the bot mention is stripped


@pytest.mark.server
def test_direct_messages_keep_their_thread(stack):
    ids = new_ids()
    # top-level direct message: answered top-level
    body = event_body({"type": "message", "channel_type": "im", "user": ids["user"], "text": "你好",
                       "ts": ids["ts"], "channel": ids["dm"]})
    assert post_event(stack, body)[0] == 200
    posts = stack.slack_api.wait_posts_to(ids["dm"], timeout=30)
    assert posts, stack.log_tail()
    assert all(not p.get("thread_ts") for p in posts)
    assert CHINESE.search(" ".join(str(p.get("text") or "") for p in posts))
    # a message inside a thread: answered in that thread
    thread = ids["ts"]
    reply_ts = f"{int(time.time()) + 1}.000200"
    body = event_body({"type": "message", "channel_type": "im", "user": ids["user"], "text": "你好",
                       "ts": reply_ts, "thread_ts": thread, "channel": ids["dm"]})
    count = len(posts)
    assert post_event(stack, body)[0] == 200
    posts = stack.slack_api.wait_posts_to(ids["dm"], timeout=30, count=count + 1)
    assert len(posts) > count
    assert all(p.get("thread_ts") == thread for p in posts[count:])


@pytest.mark.server
@pytest.mark.parametrize("headers", [
    {"X-Slack-Signature": "v0=" + "0" * 64},
    {"X-Slack-Request-Timestamp": str(int(time.time()) - 3600)},
    {},
], ids=["forged", "stale", "unsigned"])
def test_bad_signature_is_rejected(stack, headers):
    ids = new_ids()
    body = event_body({"type": "message", "channel_type": "im", "user": ids["user"], "text": "你好",
                       "ts": ids["ts"], "channel": ids["dm"]})
    signed = sign(body)
    if "X-Slack-Request-Timestamp" in headers:  # correctly signed, but too old
        signed = sign(body, headers["X-Slack-Request-Timestamp"])
    elif headers:
        signed.update(headers)
    else:
        signed = {}
    status, _, _ = fakes.http("POST", stack.base_url + WEBHOOK, body, {"Content-Type": "application/json", **signed})
    assert 400 <= status < 500
    time.sleep(1.0)
    assert stack.slack_api.posts_to(ids["dm"]) == []
    assert stack.user_texts(ids["user"]) == []


@pytest.mark.server
def test_retry_is_not_answered_twice(stack):
    ids = new_ids()
    event_id = "Ev" + uuid.uuid4().hex[:10].upper()
    body = event_body({"type": "message", "channel_type": "im", "user": ids["user"], "text": "你好",
                       "ts": ids["ts"], "channel": ids["dm"]}, event_id=event_id)
    assert post_event(stack, body)[0] == 200
    # Slack retries when it thinks the first delivery failed; "http_error" is not ignored by Rasa itself
    retry = post_event(stack, body, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    assert retry[0] == 200
    assert stack.slack_api.wait_posts_to(ids["dm"], timeout=30), stack.log_tail()
    time.sleep(2.0)
    answered = len(stack.slack_api.posts_to(ids["dm"]))
    late = post_event(stack, body, {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"})
    assert late[0] == 200
    time.sleep(1.5)
    assert len(stack.slack_api.posts_to(ids["dm"])) == answered
    assert stack.wait_user_texts(ids["user"]) == ["你好"]


@pytest.mark.server
def test_button_click_goes_to_rasa(stack):
    ids = new_ids()
    payload = {"type": "block_actions", "user": {"id": ids["user"]}, "channel": {"id": ids["channel"]},
               "message": {"ts": ids["ts"]},
               "actions": [{"type": "button", "action_id": "b1", "value": "/greet",
                            "text": {"type": "plain_text", "text": "打个招呼"}}]}
    body = urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    status, _, _ = fakes.http("POST", stack.base_url + WEBHOOK, body,
                              {"Content-Type": "application/x-www-form-urlencoded", **sign(body)})
    assert status == 200
    posts = stack.slack_api.wait_posts_to(ids["channel"], timeout=30)
    assert posts, stack.log_tail()
    assert all(p.get("thread_ts") == ids["ts"] for p in posts)
    assert stack.wait_user_texts(ids["user"]) == ["/greet"]


# --------------------------------------------------------------------------- without a server


@pytest.fixture
def fake_slack_api():
    api = fakes.FakeSlackAPI().start()
    yield api
    api.stop()


async def test_buttons_are_rendered_as_slack_blocks(fake_slack_api):
    from channels.slack import SlackBot

    bot = SlackBot(fakes.SLACK_TOKEN, "C42", thread_id="1700000000.000100", api_base=fake_slack_api.base_url)
    await bot.send_text_with_buttons("C42", "下一步做什么？", [
        {"title": "下一步", "payload": "/ask_next_step"}, {"title": "换个客户", "payload": "/switch_customer"}])
    [post] = fake_slack_api.posts.items
    assert post["channel"] == "C42" and post["thread_ts"] == "1700000000.000100"
    section, actions = post["blocks"]
    assert section["type"] == "section" and section["text"]["text"] == "下一步做什么？"
    assert actions["type"] == "actions"
    assert [(e["type"], e["text"]["text"], e["value"]) for e in actions["elements"]] == [
        ("button", "下一步", "/ask_next_step"), ("button", "换个客户", "/switch_customer")]


def test_slack_input_reads_environment(monkeypatch):
    from channels.slack import DEFAULT_SLACK_API_BASE, SlackBot, SlackInput

    monkeypatch.setenv("SLACK_TOKEN", "xoxb-env")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret-env")
    monkeypatch.delenv("SLACK_API_BASE", raising=False)
    channel = SlackInput.from_credentials(None)
    assert (channel.slack_token, channel.slack_signing_secret, channel.use_threads) == ("xoxb-env", "secret-env", True)
    assert channel.api_base == DEFAULT_SLACK_API_BASE
    assert channel.name() == "slack"  # mounted at /webhooks/slack/webhook

    monkeypatch.setenv("SLACK_API_BASE", "http://127.0.0.1:9/api")
    channel = SlackInput.from_credentials({"slack_token": "xoxb-cred", "slack_signing_secret": "s",
                                           "use_threads": "false"})
    assert channel.slack_token == "xoxb-cred" and channel.use_threads is False
    output = channel.get_output_channel("C1", None)
    assert isinstance(output, SlackBot) and output.client.base_url == "http://127.0.0.1:9/api/"
