"""Safe to expose: against `make server`'s own script (scripts/server.sh) with real HTTP.

Who may call what (API token, REST bearer token), bad input on every channel (4xx, never 500), the text cap,
the per-rep flood limit, identity namespaced by channel, nothing accepted lost (a crash between the WeCom 200
and the reply, a WeCom API that fails, the action server down), and no secret in any log line.
"""
from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
try:
    from tests import fakes
except ImportError:  # tests/ is not a package
    import fakes
from test_slack_channel import event_body, new_ids, post_event, sign
from test_wecom_protocol import encrypt, envelope, new_msg_id, new_user, post, query, text_xml

from keqing.channels import texts

pytestmark = pytest.mark.server

CHINESE = re.compile(r"[\u4e00-\u9fff]")
WEBHOOK = "/webhooks/wecom/webhook"
SLACK = "/webhooks/slack/webhook"
DESCRIPTION = "王总说一不二,开会只听结论,我们现在大概占他们三成采购"


@pytest.fixture(scope="session")
def stack(request):
    return fakes.shared_stack(request)


def contents(messages: List[Dict]) -> List[str]:
    return [m[m["msgtype"]]["content"] for m in messages]


def wecom_say(stack, user: str, text: str):
    status, body, _ = post(stack, encrypt(text_xml(user, text, new_msg_id())))
    assert status == 200 and body == b"", body
    return status


def settle(check, timeout: float = 30.0, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


# --------------------------------------------------------------------------- who may call what


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/status", None),
    ("GET", "/conversations/someone/tracker", None),
    ("POST", "/conversations/someone/tracker/events", b'{"event": "action", "name": "action_listen"}'),
    ("POST", "/model/parse", '{"text": "你好"}'.encode()),
    ("PUT", "/model", b"{}"),
], ids=["status", "tracker", "events", "parse", "model"])
def test_api_needs_the_token(stack, method, path, body):
    url = stack.base_url + path
    headers = {"Content-Type": "application/json"}
    for bad in ("", "?token=wrong-token"):
        status, out, _ = fakes.http(method, url + bad, body, headers)
        assert status in (401, 403), (path, status, out)
    status, out, _ = fakes.http(method, f"{url}?token={fakes.API_TOKEN}", body, headers, timeout=30)
    if path == "/model":
        assert status == 400, out  # past the token check: the (empty) request itself is refused
    else:
        assert status == 200, out
    if path == "/model/parse":
        assert json.loads(out)["intent"]["name"] == "greet"


def listening_addresses(port: int) -> set:
    """Local addresses with a socket listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


def test_action_server_listens_on_loopback_only(stack):
    assert listening_addresses(stack.action_port) == {"0100007F"}  # 127.0.0.1, not 0.0.0.0


def test_rest_channel_needs_the_bearer_token(stack):
    sender = "rest-" + uuid.uuid4().hex[:8]
    for token in (None, "wrong", f"{fakes.REST_TOKEN}x"):
        status, out = stack.rest(sender, "我的客户", token=token)
        assert status == 401, out
    status, out = stack.rest(sender, "你好", token=None, content_type="application/json")
    assert status == 401
    assert stack.user_texts(sender) == []  # nothing reached Rasa
    status, out = stack.rest(sender, "你好")
    assert status == 200 and CHINESE.search(out[0]["text"])
    assert stack.wait_user_texts(sender) == ["你好"]


def test_huge_message_gets_a_short_chinese_reply(stack):
    sender = "rest-" + uuid.uuid4().hex[:8]
    huge = "长" * 1_200_000
    for body in (json.dumps({"sender": sender, "message": huge}).encode(),  # \\u escapes: 7.2 MB
                 json.dumps({"sender": sender, "message": huge}, ensure_ascii=False).encode()):  # UTF-8: 3.6 MB
        started = time.monotonic()
        status, out = stack.rest(sender, None, body=body)
        assert status == 200, out
        [reply] = out
        assert CHINESE.search(reply["text"]) and len(reply["text"]) < 60 and "太长" in reply["text"]
        assert time.monotonic() - started < 10
    status, out = stack.rest(sender, "长" * 2001)  # one over the default cap
    assert status == 200 and "太长" in out[0]["text"]
    assert stack.user_texts(sender) == []  # nothing stored


BAD_REST_BODIES = {
    "empty": (b"", "application/json"),
    "binary": (os.urandom(4096), "application/json"),
    "wrong-encoding": (json.dumps({"sender": "x", "message": "你好"}, ensure_ascii=False).encode("gbk"),
                       "application/json"),
    "ten-megabytes": (b'{"sender": "x", "message": "' + b"a" * (10 * 1024 * 1024) + b'"}', "application/json"),
    "deeply-nested": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    "nested-message": (json.dumps({"sender": "x", "message": {"text": "你好"}}).encode(), "application/json"),
    "list": (b'["sender", "message"]', "application/json"),
    "no-sender": (b'{"message": "hi"}', "application/json"),
    "xml": (b"<xml><a>1</a></xml>", "text/xml"),
}


@pytest.mark.parametrize("name", list(BAD_REST_BODIES))
def test_rest_bad_bodies_get_4xx(stack, name):
    body, content_type = BAD_REST_BODIES[name]
    status, out = stack.rest("x", None, body=body, content_type=content_type)
    assert 400 <= status < 500, (status, out)


XML_BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + b"".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
                       for i in range(1, 10))
            + b"]><xml><Encrypt>&lol9;</Encrypt></xml>")


@pytest.mark.parametrize("body", [
    b"", os.urandom(2048), "<xml><Encrypt>你好</Encrypt></xml>".encode("gbk"), b"<xml>" * 2_000_000, XML_BOMB,
    b"[" * 50_000,
], ids=["empty", "binary", "wrong-encoding", "ten-megabytes", "xml-bomb", "deeply-nested"])
def test_wecom_bad_bodies_get_4xx(stack, body):
    user = new_user("bad")
    started = time.monotonic()
    status, out, _ = post(stack, encrypt(text_xml(user, "你好", new_msg_id())), body=body)[0:3]
    assert 400 <= status < 500, (status, out)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("body, content_type", [
    (b"", "application/json"),
    (os.urandom(2048), "application/json"),
    ('{"event": {"type": "message", "text": "你好"}}'.encode("gbk"), "application/json"),
    (b'{"x": "' + b"a" * (10 * 1024 * 1024) + b'"}', "application/json"),
    (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    (b'[{"event": 1}]', "application/json"),
    (b'{"event": "message"}', "application/json"),
    (b'{"event": {"type": "message", "user": "U1", "text": {"x": 1}, "channel_type": "im"}}', "application/json"),
    (b"nothing=here", "application/x-www-form-urlencoded"),
    (b"payload=%7B%22actions%22%3A%201%7D", "application/x-www-form-urlencoded"),
    (b"<xml/>", "text/xml"),
], ids=["empty", "binary", "wrong-encoding", "ten-megabytes", "deeply-nested", "list", "event-not-object",
        "text-not-string", "form-without-payload", "actions-not-list", "xml"])
def test_slack_signed_bad_bodies_get_4xx(stack, body, content_type):
    status, out, _ = fakes.http("POST", stack.base_url + SLACK, body, {"Content-Type": content_type, **sign(body)})
    assert 400 <= status < 500, (status, out)


def test_over_long_wecom_message_is_refused_politely(stack):
    user = new_user("long")
    wecom_say(stack, user, "王总" + "很" * 2500)
    sent = stack.wecom_api.wait_sent_to(user, timeout=15)
    assert sent and "太长" in contents(sent)[0]
    time.sleep(1.0)
    assert len(stack.wecom_api.sent_to(user)) == 1
    assert stack.user_texts(user) == []  # nothing stored


def test_flooding_rep_is_slowed_others_are_not(stack):
    flooder, other = "rest-" + uuid.uuid4().hex[:8], "rest-" + uuid.uuid4().hex[:8]
    results: List[tuple] = []

    def send(i: int) -> None:
        results.append(stack.rest(flooder, f"你好{i}", timeout=120))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(36)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    status, out = stack.rest(other, "你好")  # answered while the flood is being worked off
    assert status == 200 and CHINESE.search(out[0]["text"])
    for thread in threads:
        thread.join(timeout=120)
    statuses = sorted(status for status, _ in results)
    assert statuses.count(200) == 30 and statuses.count(429) == 6, statuses
    slowed = [out for status, out in results if status == 429]
    assert all(out[0]["text"] == texts.SLOW_DOWN_TEXT for out in slowed)


def test_identity_is_namespaced_by_channel(stack):
    """A Slack user and a WeCom user with the same id are two reps: they never share customers."""
    same_id = "U" + uuid.uuid4().hex[:8].upper()
    dm = "D" + same_id
    body = event_body({"type": "message", "channel_type": "im", "user": same_id, "text": DESCRIPTION.replace("王总", "贺总"),
                       "ts": f"{int(time.time())}.000100", "channel": dm})
    assert post_event(stack, body)[0] == 200
    assert stack.slack_api.wait_posts_to(dm, timeout=40), stack.log_tail()
    time.sleep(1.0)
    wecom_say(stack, same_id, "我的客户")
    sent = stack.wecom_api.wait_sent_to(same_id, timeout=30)
    assert sent, stack.log_tail()
    assert "贺总" not in "\n".join(contents(sent)) and "还没有客户" in "\n".join(contents(sent))
    count = len(stack.slack_api.posts_to(dm))
    body = event_body({"type": "message", "channel_type": "im", "user": same_id, "text": "我的客户",
                       "ts": f"{int(time.time())}.000200", "channel": dm})
    assert post_event(stack, body)[0] == 200
    posts = stack.slack_api.wait_posts_to(dm, timeout=30, count=count + 1)
    assert "贺总" in " ".join(str(p.get("text") or "") for p in posts[count:]), posts[count:]


# --------------------------------------------------------------------------- nothing accepted is lost


def answer_parts(stack, user: str, text: str) -> List[str]:
    """Every WeCom message of the answer to `text` (the answer is complete once nothing came for 2.5 s)."""
    wecom_say(stack, user, text)
    assert stack.wecom_api.wait_sent_to(user, timeout=40), stack.log_tail()
    count = -1
    while count != len(stack.wecom_api.sent_to(user)):
        count = len(stack.wecom_api.sent_to(user))
        time.sleep(2.5)
    return contents(stack.wecom_api.sent_to(user))


def due_reminder(stack, user: str) -> None:
    """A reminder already due for this WeCom rep: the next answer starts with it, as a message of its own."""
    from datetime import datetime

    from keqing.customers import CustomerMemory

    CustomerMemory(stack.env["KEQING_DB_URL"]).add_reminder("wecom", user, "给贺总回电话", datetime(2026, 1, 1, 9, 0))


def test_failing_wecom_api_gets_every_part_once_in_order(stack):
    control = new_user("ctl")
    due_reminder(stack, control)
    expected = answer_parts(stack, control, "我的客户")
    assert len(expected) >= 2 and "给贺总回电话" in expected[0], expected

    user = new_user("flaky")
    due_reminder(stack, user)
    stack.wecom_api.fail((200, {"errcode": -1, "errmsg": "system busy"}),
                         (200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    got = answer_parts(stack, user, "我的客户")
    assert got == expected  # each part once, in order
    assert len(stack.wecom_api.attempts.matching(lambda m: m.get("touser") == user)) == len(expected) + 2


def test_crash_between_the_200_and_the_reply(stack):
    """kill -9 while the reply waits for a refusing WeCom API; after the restart the rep gets exactly one answer."""
    user = new_user("crash")
    stack.wecom_api.refuse_all = (200, {"errcode": 45009, "errmsg": "api freq out of limit"})
    try:
        wecom_say(stack, user, "你好")
        tried = stack.wecom_api.attempts.wait_for(lambda m: m.get("touser") == user, timeout=40)
        assert tried, stack.log_tail()  # the turn ran; its reply is waiting to be sent
        stack.kill()
    finally:
        stack.wecom_api.refuse_all = None
    assert stack.wecom_api.sent_to(user) == []
    stack.restart()
    sent = stack.wecom_api.wait_sent_to(user, timeout=60)
    assert sent, stack.log_tail()
    time.sleep(3.0)
    assert len(stack.wecom_api.sent_to(user)) == 1 and CHINESE.search(contents(sent)[0])
    assert stack.user_texts(user) == ["你好"]  # the turn ran once


def test_action_server_down_rep_is_told_and_answered_later(stack):
    pid = stack.action_server_pid()
    assert pid, "the action server of server.sh should be running"
    os.kill(pid, signal.SIGTERM)
    settle(lambda: stack.action_server_pid() is None, 20)
    try:
        user = new_user("down")
        wecom_say(stack, user, DESCRIPTION)
        sent = stack.wecom_api.wait_sent_to(user, timeout=15)
        assert sent and contents(sent)[0] == texts.BUSY_TEXT, stack.log_tail()
        sender = "rest-" + uuid.uuid4().hex[:8]
        status, out = stack.rest(sender, "你好")
        assert status == 503 and out[0]["text"] == texts.BUSY_RETRY_TEXT
        time.sleep(2.0)
        assert len(stack.wecom_api.sent_to(user)) == 1  # told once, not on every retry
    finally:
        stack.start_action_server()
    answered = stack.wecom_api.wait_sent_to(user, timeout=60, count=2)
    assert len(answered) >= 2, stack.log_tail()
    assert any("王总" in c or "支配" in c for c in contents(answered[1:])), contents(answered)
    assert stack.wait_user_texts(user) == [DESCRIPTION]


# --------------------------------------------------------------------------- no secret in any log line


def test_no_secret_in_any_log_line(stack):
    # make sure every secret-bearing path has run in this session
    stack.rest("rest-logs", "你好")
    fakes.http("GET", f"{stack.base_url}/conversations/rest-logs/tracker?token={fakes.API_TOKEN}")
    user = new_user("logs")
    wecom_say(stack, user, "你好")
    assert stack.wecom_api.wait_sent_to(user, timeout=30)
    ids = new_ids()
    post_event(stack, event_body({"type": "message", "channel_type": "im", "user": ids["user"], "text": "你好",
                                  "ts": ids["ts"], "channel": ids["dm"]}))
    assert stack.slack_api.wait_posts_to(ids["dm"], timeout=30)
    time.sleep(1.0)
    logs = stack.logs()
    assert "corpsecret=***" in logs and "token=***" in logs  # the URLs were logged, redacted
    leaked = {name for name, value in fakes.SECRETS.items() if value in logs}
    assert not leaked, f"secrets in the logs: {sorted(leaked)}"


def test_url_verification_still_works(stack):
    plaintext = "1234567890"
    status, body, _ = fakes.http("GET", f"{stack.base_url}{WEBHOOK}?{query(encrypt(plaintext), echostr=True)}")
    assert status == 200 and body == plaintext.encode()
    assert envelope  # imported helper stays in use for the callback format
