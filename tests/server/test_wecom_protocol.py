"""WeCom callback protocol against a running Rasa server (HTTP), with a fake WeCom API on loopback.

Requests are signed and encrypted by the implementation of Tencent's published algorithm below
(cryptography only; neither wechatpy nor the code under test is used to build them).
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import struct
import sys
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Optional

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
try:
    from tests import fakes
except ImportError:  # tests/ is not a package
    import fakes
from keqing.channels.texts import BUSY_TEXT  # noqa: E402

pytestmark = pytest.mark.server

CHINESE = re.compile(r"[\u4e00-\u9fff]")
WEBHOOK = "/webhooks/wecom/webhook"


# --------------------------------------------------------------------------- the published algorithm


def encrypt(message: str, aes_key: str = fakes.WECOM_AES_KEY, receive_id: str = fakes.WECOM_CORP_ID,
            prefix: Optional[bytes] = None) -> str:
    """AES-256-CBC, key = b64decode(EncodingAESKey + "="), IV = key[:16],
    plaintext = 16 random bytes + 4-byte big-endian length + msg + receiveid, PKCS#7 to 32 bytes."""
    key = base64.b64decode(aes_key + "=")
    assert len(key) == 32
    msg = message.encode("utf-8")
    plain = (prefix or os.urandom(16)) + struct.pack(">I", len(msg)) + msg + receive_id.encode("utf-8")
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode("utf-8")).hexdigest()


def query(encrypted: str, *, token: str = fakes.WECOM_TOKEN, timestamp: Optional[str] = None,
          nonce: Optional[str] = None, echostr: bool = False, sig: Optional[str] = None) -> str:
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or str(int.from_bytes(os.urandom(4), "big"))
    params = {"msg_signature": sig or signature(token, timestamp, nonce, encrypted),
              "timestamp": timestamp, "nonce": nonce}
    if echostr:
        params["echostr"] = encrypted
    return urllib.parse.urlencode(params)


def envelope(encrypted: str) -> bytes:
    return (f"<xml><ToUserName><![CDATA[{fakes.WECOM_CORP_ID}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            f"<AgentID><![CDATA[{fakes.WECOM_AGENT_ID}]]></AgentID></xml>").encode()


def text_xml(user: str, content: str, msg_id: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{fakes.WECOM_CORP_ID}]]></ToUserName>"
            f"<FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
            f"<MsgId>{msg_id}</MsgId><AgentID>{fakes.WECOM_AGENT_ID}</AgentID></xml>")


def image_xml(user: str, msg_id: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{fakes.WECOM_CORP_ID}]]></ToUserName>"
            f"<FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[https://example.com/a.jpg]]></PicUrl>"
            f"<MediaId><![CDATA[media-1]]></MediaId><MsgId>{msg_id}</MsgId>"
            f"<AgentID>{fakes.WECOM_AGENT_ID}</AgentID></xml>")


def event_xml(user: str, event: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{fakes.WECOM_CORP_ID}]]></ToUserName>"
            f"<FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
            f"<EventKey><![CDATA[]]></EventKey><AgentID>{fakes.WECOM_AGENT_ID}</AgentID></xml>")


def new_user(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}"


def new_msg_id() -> str:
    return str(int.from_bytes(os.urandom(7), "big"))


# --------------------------------------------------------------------------- fixtures / helpers


@pytest.fixture(scope="session")
def stack(request):
    return fakes.shared_stack(request)


def post(stack, encrypted: str, body: Optional[bytes] = None, **query_args):
    url = f"{stack.base_url}{WEBHOOK}?{query(encrypted, **query_args)}"
    started = time.monotonic()
    status, payload, _ = fakes.http("POST", url, envelope(encrypted) if body is None else body,
                                    {"Content-Type": "text/xml"})
    return status, payload, time.monotonic() - started


def assert_nothing_forwarded(stack, user: str, settle: float = 1.5) -> None:
    time.sleep(settle)
    assert stack.wecom_api.sent_to(user) == []
    assert stack.user_texts(user) == []


# --------------------------------------------------------------------------- tests


def test_url_verification_answers_plaintext_only(stack):
    plaintext = "5927816340261877" + str(int(time.time()))
    echostr = encrypt(plaintext)
    url = f"{stack.base_url}{WEBHOOK}?{query(echostr, echostr=True)}"
    started = time.monotonic()
    status, body, headers = fakes.http("GET", url)
    elapsed = time.monotonic() - started
    assert status == 200
    assert body == plaintext.encode("ascii")  # no quotes, no newline
    assert elapsed < 1.0
    assert headers.get("content-type", "").startswith("text/plain")


def test_url_verification_with_forged_signature_is_refused(stack):
    echostr = encrypt("123456789")
    status, body, _ = fakes.http("GET", f"{stack.base_url}{WEBHOOK}?{query(echostr, echostr=True, token='forged')}")
    assert 400 <= status < 500
    assert b"123456789" not in body


def test_text_message_is_answered_through_the_message_api(stack):
    user = new_user("zhangsan")
    status, body, elapsed = post(stack, encrypt(text_xml(user, "你好", new_msg_id())))
    assert status == 200 and body == b""
    assert elapsed < 1.0  # answered at once, the reply goes out afterwards

    sent = stack.wecom_api.wait_sent_to(user, timeout=30)
    assert sent, f"no reply reached the fake WeCom API\n{stack.log_tail()}"
    message = sent[0]
    assert message["touser"] == user
    assert str(message["agentid"]) == fakes.WECOM_AGENT_ID
    assert message["msgtype"] in ("markdown", "text")
    content = message[message["msgtype"]]["content"]
    assert content.strip() and CHINESE.search(content)
    assert len(content.encode("utf-8")) <= 2048
    assert stack.wait_user_texts(user) == ["你好"]  # the sender's UserID is the Rasa sender id

    # the access token is fetched with the app's credentials and then cached
    tokens_before = len(stack.wecom_api.token_requests.items)
    assert tokens_before >= 1
    assert stack.wecom_api.token_requests.items[0] == {"corpid": fakes.WECOM_CORP_ID,
                                                       "corpsecret": fakes.WECOM_SECRET}
    # the same words again: answered again, and delivered even when word for word the same as the first
    # answer (such a part goes out without WeCom's duplicate check; every other reply part carries it)
    assert (sent[0]["enable_duplicate_check"], sent[0]["duplicate_check_interval"]) == (1, 600)
    count = len(stack.wecom_api.sent_to(user))
    status, _, _ = post(stack, encrypt(text_xml(user, "你好", new_msg_id())))
    assert status == 200
    assert len(stack.wecom_api.wait_sent_to(user, timeout=30, count=count + 1)) > count
    assert stack.wecom_api.suppressed.matching(lambda m: m.get("touser") == user) == []
    seen: set = set()
    for m in stack.wecom_api.attempts.matching(lambda m: m.get("touser") == user):
        content = m[m["msgtype"]]["content"]
        if BUSY_TEXT in content:
            continue  # a notice: never checked
        assert (m.get("enable_duplicate_check") == 1) == (content not in seen), "flagged unless a repeat"
        seen.add(content)
    assert len(stack.wecom_api.token_requests.items) == tokens_before
    assert stack.wecom_api.errors.items == []


def test_retried_delivery_is_answered_once(stack):
    user = new_user("lisi")
    msg_id = new_msg_id()
    xml = text_xml(user, "你好", msg_id)
    # WeCom retries with the same MsgId; the envelope is encrypted and signed afresh
    first = post(stack, encrypt(xml))
    retry = post(stack, encrypt(xml))
    assert first[0] == 200 and retry[0] == 200
    assert stack.wecom_api.wait_sent_to(user, timeout=30), stack.log_tail()
    time.sleep(2.0)
    answered = len(stack.wecom_api.sent_to(user))
    late_retry = post(stack, encrypt(xml))
    assert late_retry[0] == 200
    time.sleep(1.5)
    assert len(stack.wecom_api.sent_to(user)) == answered
    assert stack.wait_user_texts(user) == ["你好"]


def _forged(stack, user):
    return post(stack, encrypt(text_xml(user, "你好", new_msg_id())), token="not-the-token")


def _expired(stack, user):
    return post(stack, encrypt(text_xml(user, "你好", new_msg_id())), timestamp=str(int(time.time()) - 3600))


def _wrong_corp(stack, user):
    return post(stack, encrypt(text_xml(user, "你好", new_msg_id()), receive_id="wwsomeoneelse0000"))


def _truncated_body(stack, user):
    encrypted = encrypt(text_xml(user, "你好", new_msg_id()))
    body = envelope(encrypted)
    return post(stack, encrypted, body=body[: len(body) - 40])


def _corrupted_base64(stack, user):
    encrypted = encrypt(text_xml(user, "你好", new_msg_id()))
    broken = encrypted[:20] + "!!**" + encrypted[24:]
    return post(stack, broken)  # signed over the broken value: the signature is valid


def _corrupted_ciphertext(stack, user):
    raw = bytearray(base64.b64decode(encrypt(text_xml(user, "你好", new_msg_id()))))
    raw[-1] ^= 0x5A  # the last block decrypts to garbage: padding (almost surely) no longer valid
    raw[-20] ^= 0x01
    return post(stack, base64.b64encode(bytes(raw)).decode())


def _truncated_ciphertext(stack, user):
    raw = base64.b64decode(encrypt(text_xml(user, "你好", new_msg_id())))
    return post(stack, base64.b64encode(raw[:-16]).decode())


def _oversized(stack, user):
    return post(stack, encrypt(text_xml(user, "你好" + "长" * 40_000, new_msg_id())))


@pytest.mark.parametrize("attack, expected", [
    (_forged, {401, 403}),
    (_expired, {401, 403}),
    (_wrong_corp, {403}),
    (_truncated_body, {400}),
    (_corrupted_base64, {400}),
    (_corrupted_ciphertext, {400, 403}),  # 403 in the rare case the garbage ends in valid padding
    (_truncated_ciphertext, {400}),
    (_oversized, {413}),
], ids=["forged-signature", "expired-timestamp", "wrong-corp-id", "truncated-body", "corrupted-base64",
        "corrupted-ciphertext", "truncated-ciphertext", "over-size-limit"])
def test_bad_callbacks_are_refused_and_not_forwarded(stack, attack, expected):
    user = new_user("mallory")
    status, body, elapsed = attack(stack, user)
    assert status in expected, body
    assert 400 <= status < 500
    assert elapsed < 1.0
    assert_nothing_forwarded(stack, user)


def test_image_gets_text_only_notice(stack):
    user = new_user("wangwu")
    status, body, _ = post(stack, encrypt(image_xml(user, new_msg_id())))
    assert status == 200 and body == b""
    sent = stack.wecom_api.wait_sent_to(user, timeout=15)
    assert sent, stack.log_tail()
    message = sent[0]
    assert "目前只支持文字" in message[message["msgtype"]]["content"]
    assert str(message["agentid"]) == fakes.WECOM_AGENT_ID
    assert stack.user_texts(user) == []  # nothing forwarded to Rasa


def test_enter_agent_event_gets_welcome(stack):
    from keqing.channels.wecom import WELCOME_TEXT

    user = new_user("zhaoliu")
    status, body, _ = post(stack, encrypt(event_xml(user, "enter_agent")))
    assert status == 200 and body == b""
    sent = stack.wecom_api.wait_sent_to(user, timeout=15)
    assert sent, stack.log_tail()
    content = sent[0][sent[0]["msgtype"]]["content"]
    assert WELCOME_TEXT.splitlines()[0] in content
    assert stack.user_texts(user) == []
