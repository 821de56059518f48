"""Unit tests of keqing.channels.wecom (no Rasa server) and of the thin adapter channels.wecom."""
from __future__ import annotations

import asyncio
import base64
import struct
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
try:
    from tests import fakes
except ImportError:  # tests/ is not a package
    import fakes

from keqing.channels import wecom
from keqing.channels.wecom import (
    Button,
    CallbackCrypto,
    CallbackRejected,
    Outgoing,
    TTLCache,
    WeComCallback,
    WeComConfigError,
    WeComDialogue,
    WeComSender,
    WeComSettings,
    number_of,
    parse_inbound,
    render_bot_messages,
    split_by_bytes,
)

# Tencent's published WXBizMsgCrypt sample (企业微信 加解密库 Sample)
SAMPLE_TOKEN = "QDG6eK"
SAMPLE_CORP_ID = "wx5823bf96d3bd56c7"
SAMPLE_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SAMPLE_VERIFY = {
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "timestamp": "1409659589",
    "nonce": "263014780",
    "echostr": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
}
SAMPLE_ECHO_PLAINTEXT = "1616140317555161061"
SAMPLE_POST = {"msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6", "timestamp": "1409659813",
               "nonce": "1372623149"}
SAMPLE_POST_BODY = (
    b"<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
)


def sample_crypto(now: float = 1409659589) -> CallbackCrypto:
    return CallbackCrypto(SAMPLE_TOKEN, SAMPLE_AES_KEY, SAMPLE_CORP_ID, clock=lambda: now)


# --------------------------------------------------------------------------- Tencent sample


def test_tencent_sample_url_verification():
    crypto = sample_crypto()
    assert crypto.verify_url(**SAMPLE_VERIFY) == SAMPLE_ECHO_PLAINTEXT


def test_tencent_sample_url_verification_query_plus_decoded_as_space():
    crypto = sample_crypto()
    args = dict(SAMPLE_VERIFY, echostr=SAMPLE_VERIFY["echostr"].replace("+", " "))
    assert crypto.verify_url(**args) == SAMPLE_ECHO_PLAINTEXT


def test_tencent_sample_message_decrypts():
    crypto = sample_crypto(now=1409659813)
    xml = crypto.decrypt_body(body=SAMPLE_POST_BODY, **SAMPLE_POST)
    inbound = parse_inbound(xml)
    assert (inbound.kind, inbound.user, inbound.text) == ("text", "mycreate", "hello")
    assert inbound.msg_id == "4561255354251345929" and inbound.agent_id == "218"


@pytest.mark.parametrize("change, status, reason", [
    ({"msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4"}, 403, "msg_signature"),
    ({"nonce": "263014781"}, 403, "msg_signature"),
    ({"timestamp": "1409659590"}, 403, "msg_signature"),
    ({"timestamp": "abc"}, 400, "timestamp"),
    ({"echostr": ""}, 400, "echostr"),
])
def test_tencent_sample_verification_refusals(change, status, reason):
    with pytest.raises(CallbackRejected) as err:
        sample_crypto().verify_url(**dict(SAMPLE_VERIFY, **change))
    assert err.value.status == status and reason in err.value.reason


def test_tencent_sample_is_expired_today():
    crypto = CallbackCrypto(SAMPLE_TOKEN, SAMPLE_AES_KEY, SAMPLE_CORP_ID)  # real clock
    with pytest.raises(CallbackRejected) as err:
        crypto.verify_url(**SAMPLE_VERIFY)
    assert err.value.status == 403 and "expired" in err.value.reason


def test_tencent_sample_wrong_corp_id():
    crypto = CallbackCrypto(SAMPLE_TOKEN, SAMPLE_AES_KEY, "wwanothercorp", clock=lambda: 1409659589)
    with pytest.raises(CallbackRejected) as err:
        crypto.verify_url(**SAMPLE_VERIFY)
    assert err.value.status == 403 and "wx5823bf96d3bd56c7" in err.value.reason


# --------------------------------------------------------------------------- our crypto vs wechatpy


def test_roundtrip_with_wechatpy_encryption():
    crypto = CallbackCrypto(fakes.WECOM_TOKEN, fakes.WECOM_AES_KEY, fakes.WECOM_CORP_ID, clock=lambda: 1700000000)
    envelope = crypto.encrypt_message("<xml><MsgType>text</MsgType><Content>王总说一不二</Content>"
                                      "<FromUserName>u1</FromUserName><MsgId>7</MsgId></xml>",
                                      nonce="42", timestamp="1700000000")
    root = wecom.parse_xml(envelope)
    xml = crypto.decrypt_body(root["MsgSignature"], root["TimeStamp"], root["Nonce"], envelope.encode())
    assert parse_inbound(xml).text == "王总说一不二"


def _encrypt(crypto: CallbackCrypto, plain: bytes) -> str:
    encryptor = crypto._prp.cipher  # wechatpy's AES-CBC with key/iv of the app
    return base64.b64encode(encryptor.encrypt(plain)).decode()


@pytest.mark.parametrize("mutate, reason", [
    (lambda c: "%%%%" + c[4:], "base64"),
    (lambda c: base64.b64encode(base64.b64decode(c)[:-16]).decode(), "multiple of 32"),
    (lambda c: "", "empty"),
])
def test_strict_decrypt_refuses_garbage(mutate, reason):
    crypto = CallbackCrypto(fakes.WECOM_TOKEN, fakes.WECOM_AES_KEY, fakes.WECOM_CORP_ID)
    good = crypto.wechat_crypto.encrypt_message("<xml/>", "1", "1")
    encrypted = wecom.parse_xml(good)["Encrypt"]
    with pytest.raises(CallbackRejected) as err:
        crypto.decrypt(mutate(encrypted))
    assert err.value.status == 400 and reason in err.value.reason


@pytest.mark.parametrize("plain, reason", [
    (b"\x00" * 31 + b"\x21", "padding"),  # pad byte 33
    (b"\x00" * 30 + b"\x01\x02", "padding"),  # inconsistent padding
    (b"r" * 16 + struct.pack(">I", 1000) + b"x" * 11 + b"\x01", "length"),
    (b"r" * 16 + struct.pack(">I", 2) + b"\xff\xfe" + fakes.WECOM_CORP_ID.encode()[:9] + b"\x01", "UTF-8"),
])
def test_strict_decrypt_explains_corruption(plain, reason):
    crypto = CallbackCrypto(fakes.WECOM_TOKEN, fakes.WECOM_AES_KEY, fakes.WECOM_CORP_ID)
    assert len(plain) % 32 == 0
    with pytest.raises(CallbackRejected) as err:
        crypto.decrypt(_encrypt(crypto, plain))
    assert err.value.status == 400 and reason in err.value.reason


def test_bad_aes_key_is_a_config_error():
    with pytest.raises(WeComConfigError):
        CallbackCrypto("t", "short", "ww1")


# --------------------------------------------------------------------------- WeComCallback


def settings(**extra: Any) -> WeComSettings:
    env = {"WECOM_CORP_ID": fakes.WECOM_CORP_ID, "WECOM_AGENT_ID": fakes.WECOM_AGENT_ID,
           "WECOM_SECRET": fakes.WECOM_SECRET, "WECOM_TOKEN": fakes.WECOM_TOKEN,
           "WECOM_AES_KEY": fakes.WECOM_AES_KEY}
    return WeComSettings.from_sources(extra, env)


def callback_request(cb: WeComCallback, xml: str, nonce: str = "n1", timestamp: str = "1700000000"):
    envelope = cb.crypto.encrypt_message(xml, nonce, timestamp)
    root = wecom.parse_xml(envelope)
    args = {"msg_signature": root["MsgSignature"], "timestamp": timestamp, "nonce": nonce}
    return args, envelope.encode()


def text_xml(user="u1", content="你好", msg_id="1001", agent=fakes.WECOM_AGENT_ID):
    return (f"<xml><ToUserName>{fakes.WECOM_CORP_ID}</ToUserName><FromUserName>{user}</FromUserName>"
            f"<CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content><![CDATA[{content}]]></Content>"
            f"<MsgId>{msg_id}</MsgId><AgentID>{agent}</AgentID></xml>")


def test_callback_deduplicates_by_msg_id():
    cb = WeComCallback(settings(), clock=lambda: 1700000000)
    first = cb.receive(*callback_request(cb, text_xml(msg_id="1001"), nonce="a"))
    assert first is not None and first.text == "你好" and first.user == "u1"
    assert cb.receive(*callback_request(cb, text_xml(msg_id="1001"), nonce="b")) is None
    assert cb.receive(*callback_request(cb, text_xml(msg_id="1002"), nonce="c")) is not None


def test_callback_refuses_forged_request_before_deduplication():
    cb = WeComCallback(settings(), clock=lambda: 1700000000)
    args, body = callback_request(cb, text_xml(msg_id="2001"))
    with pytest.raises(CallbackRejected):
        cb.receive(dict(args, msg_signature="0" * 40), body)
    assert cb.receive(args, body) is not None  # the forged copy did not poison the MsgId cache


def test_callback_size_limit_and_agent_check():
    cb = WeComCallback(settings(max_body_bytes=1000), clock=lambda: 1700000000)
    args, body = callback_request(cb, text_xml(content="长" * 400))
    with pytest.raises(CallbackRejected) as err:
        cb.receive(args, body)
    assert err.value.status == 413
    args, body = callback_request(cb, text_xml(agent="999"))
    with pytest.raises(CallbackRejected) as err:
        cb.receive(args, body)
    assert err.value.status == 403 and "AgentID" in err.value.reason


@pytest.mark.parametrize("xml, kind, detail", [
    ("<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType>"
     "<Event>enter_agent</Event><AgentID>1000002</AgentID></xml>", "event", "enter_agent"),
    ("<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType>"
     "<Event>subscribe</Event></xml>", "event", "subscribe"),
    ("<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType>"
     "<Event>click</Event><EventKey>k</EventKey></xml>", "ignored", "click"),
    ("<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>voice</MsgType>"
     "<MediaId>m</MediaId><Format>amr</Format><MsgId>5</MsgId></xml>", "unsupported", "voice"),
    ("<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>file</MsgType>"
     "<MediaId>m</MediaId><MsgId>6</MsgId></xml>", "unsupported", "file"),
])
def test_parse_inbound_kinds(xml, kind, detail):
    inbound = parse_inbound(xml)
    assert inbound.kind == kind
    assert detail in (inbound.event, inbound.msg_type)


def test_parse_inbound_refuses_nonsense():
    for xml in ("<xml><MsgType>text</MsgType></xml>", "<xml><FromUserName>u</FromUserName></xml>", "not xml"):
        with pytest.raises(CallbackRejected):
            parse_inbound(xml)


# --------------------------------------------------------------------------- TTL cache


def test_ttl_cache_expiry_and_bound():
    now = [0.0]
    cache = TTLCache(ttl=10, max_entries=3, clock=lambda: now[0])
    assert cache.add("a") and not cache.add("a")
    now[0] = 11
    assert "a" not in cache and cache.add("a")
    for key in "bcd":
        cache.add(key)
    assert len(cache) == 3 and "a" not in cache  # oldest dropped
    cache.set("e", 1)
    assert cache.get("e") == 1 and cache.pop("e") == 1 and cache.get("e") is None


# --------------------------------------------------------------------------- buttons


@pytest.mark.parametrize("text, number", [
    ("1", 1), (" 2 ", 2), ("１", 1), ("3.", 3), ("2、", 2), ("回复 1", 1), ("回复1", 1), ("第2个", 2),
    ("1个客户", None), ("三成", None), ("12a", None), ("", None),
])
def test_number_of(text, number):
    assert number_of(text) == number


def test_buttons_are_numbered_and_mapped_back():
    dialogue = WeComDialogue()
    out = dialogue.outgoing("u1", [{"text": "下一步做什么？", "buttons": [
        {"title": "下一步", "payload": "/ask_next_step"}, {"title": "换个客户", "payload": "/switch_customer"}]}])
    assert len(out) == 1 and out[0].msgtype == "markdown"
    assert "回复 1 = 下一步" in out[0].content and "回复 2 = 换个客户" in out[0].content
    assert dialogue.incoming_text("u1", "2") == ("/switch_customer", Button("换个客户", "/switch_customer"))
    assert dialogue.incoming_text("u1", "3") == ("3", None)  # out of range: plain text
    assert dialogue.incoming_text("u2", "1") == ("1", None)  # per user
    dialogue.outgoing("u1", [{"text": "好的"}])  # a turn without buttons forgets them
    assert dialogue.incoming_text("u1", "1") == ("1", None)


def test_render_numbers_across_messages_and_keeps_links():
    rendered = render_bot_messages([
        {"text": "甲", "buttons": [{"title": "A", "payload": "/a"}]},
        {"text": "乙", "quick_replies": [{"title": "B", "payload": "/b"}],
         "image": "https://x/y.png"},
        {"text": "丙", "buttons": [{"title": "官网", "url": "https://example.com", "type": "web_url"}]},
        {"custom": {"text": "自定义"}},
        {"custom": {"blocks": []}},
    ])
    assert [b.payload for b in rendered.buttons] == ["/a", "/b"]
    contents = [m.content for m in rendered.messages]
    assert "回复 1 = A" in contents[0] and "回复 2 = B" in contents[1]
    assert "[图片](https://x/y.png)" in contents[1]
    assert "[官网](https://example.com)" in contents[2]
    assert contents[3] == "自定义" and len(contents) == 4


def test_text_mode_strips_markdown():
    out = render_bot_messages([{"text": "## 建议\n**先谈价值**，见[资料](https://k/1)",
                                "buttons": [{"title": "下一步", "payload": "/n"}]}], msgtype="text").messages
    assert out == [Outgoing("text", "建议\n先谈价值，见资料 https://k/1\n\n回复 1 = 下一步")]
    assert out[0].payload("u", 1000002) == {"touser": "u", "agentid": 1000002, "msgtype": "text",
                                            "text": {"content": out[0].content}}


# --------------------------------------------------------------------------- splitting by UTF-8 bytes


def test_split_keeps_short_text_whole():
    assert split_by_bytes("你好\n世界") == ["你好\n世界"]
    assert split_by_bytes("  \n") == []


def test_split_at_line_boundaries_by_utf8_bytes():
    lines = [f"第{i}条：" + "客户关系维护要点" * 8 for i in range(60)]  # ~ 200 bytes a line
    text = "\n".join(lines)
    assert len(text) < 2048 * 3 and len(text.encode()) > 2048 * 3  # characters would under-count
    chunks = split_by_bytes(text, 2048)
    assert len(chunks) > 3
    assert all(len(c.encode("utf-8")) <= 2048 for c in chunks)
    assert "\n".join(chunks) == text  # nothing lost, every cut at a line boundary
    assert all(line in lines for c in chunks for line in c.split("\n"))


def test_split_exact_limit_and_overlong_line():
    assert split_by_bytes("a" * 2048) == ["a" * 2048]
    line = "长" * 1000  # 3000 bytes on one line: cut between characters
    chunks = split_by_bytes(line + "\n短", 2048)
    assert all(len(c.encode("utf-8")) <= 2048 for c in chunks)
    assert "".join(chunks).replace("\n", "") == line + "短"
    assert chunks[0] == "长" * 682


def test_long_reply_is_rendered_within_the_markdown_limit():
    text = "\n".join("要点" * 100 for _ in range(20))
    out = render_bot_messages([{"text": text, "buttons": [{"title": "下一步", "payload": "/n"}]}]).messages
    assert len(out) > 1 and all(len(m.content.encode()) <= wecom.MESSAGE_MAX_BYTES for m in out)
    assert out[-1].content.endswith("回复 1 = 下一步")


# --------------------------------------------------------------------------- fixed replies


def test_welcome_and_unsupported_replies():
    now = [0.0]
    dialogue = WeComDialogue(welcome_interval=60, clock=lambda: now[0])
    enter = parse_inbound("<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType>"
                          "<Event>enter_agent</Event></xml>")
    subscribe = parse_inbound("<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime>"
                              "<MsgType>event</MsgType><Event>subscribe</Event></xml>")
    image = parse_inbound("<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>image</MsgType>"
                          "<MsgId>9</MsgId></xml>")
    assert "客情参谋" in dialogue.reply_to(enter)[0].content
    assert dialogue.reply_to(enter) == []  # opening the app again soon: no second greeting
    assert dialogue.reply_to(subscribe)  # subscribing always greets
    now[0] = 61
    assert dialogue.reply_to(enter)
    assert "目前只支持文字" in dialogue.reply_to(image)[0].content


# --------------------------------------------------------------------------- settings


def test_settings_from_environment_and_credentials():
    s = settings()
    assert (s.corp_id, s.agent_id, s.api_base, s.msgtype) == (
        fakes.WECOM_CORP_ID, 1000002, "https://qyapi.weixin.qq.com", "markdown")
    s = WeComSettings.from_sources({"agent_id": "7", "msgtype": "text", "api_base": "http://127.0.0.1:1/"},
                                   {"WECOM_CORP_ID": "c", "WECOM_SECRET": "s", "WECOM_TOKEN": "t",
                                    "WECOM_AES_KEY": fakes.WECOM_AES_KEY, "WECOM_AGENT_ID": "1"})
    assert (s.agent_id, s.msgtype, s.api_base) == (7, "text", "http://127.0.0.1:1")
    with pytest.raises(WeComConfigError, match="WECOM_SECRET, WECOM_TOKEN"):
        WeComSettings.from_sources({}, {"WECOM_CORP_ID": "c", "WECOM_AGENT_ID": "1", "WECOM_SECRET": " ",
                                        "WECOM_AES_KEY": fakes.WECOM_AES_KEY})
    with pytest.raises(WeComConfigError, match="AGENT_ID"):
        settings(agent_id="abc")
    with pytest.raises(WeComConfigError, match="43"):
        settings(aes_key="abc")


# --------------------------------------------------------------------------- sender against the fake API


@pytest.fixture
def fake_wecom_api():
    api = fakes.FakeWeComAPI().start()
    yield api
    api.stop()


def test_sender_caches_the_access_token(fake_wecom_api):
    sender = WeComSender(settings(api_base=fake_wecom_api.base_url))
    assert sender.send_all("u1", [Outgoing("markdown", "第一条"), Outgoing("text", "第二条")]) == 2
    assert sender.send_all("u2", [Outgoing("markdown", "第三条")]) == 1
    assert len(fake_wecom_api.token_requests.items) == 1
    first = fake_wecom_api.sent.items[0]
    assert first["touser"] == "u1" and first["agentid"] == 1000002
    assert first["msgtype"] == "markdown" and first["markdown"] == {"content": "第一条"}
    assert fake_wecom_api.sent.items[1]["text"] == {"content": "第二条"}


def test_sender_reports_api_errors(fake_wecom_api, caplog):
    sender = WeComSender(WeComSettings.from_sources({"secret": "wrong", "api_base": fake_wecom_api.base_url},
                                                    {"WECOM_CORP_ID": fakes.WECOM_CORP_ID, "WECOM_AGENT_ID": "1",
                                                     "WECOM_TOKEN": "t", "WECOM_AES_KEY": fakes.WECOM_AES_KEY}))
    assert sender.send_all("u1", [Outgoing("text", "你好")]) == 0
    assert "40001" in caplog.text and "WECOM_SECRET" in caplog.text
    assert fake_wecom_api.sent.items == []


# --------------------------------------------------------------------------- the adapter, in process


class RecordingSender:
    def __init__(self) -> None:
        self.sent: List[tuple] = []
        self.checked: List[bool] = []  # duplicate_check of each send

    def send_reliably(self, user: str, message: Outgoing, duplicate_check: bool = False) -> Dict[str, Any]:
        self.sent.append((user, message))
        self.checked.append(duplicate_check)
        return {}


def adapter(tmp_path: Path, sender: RecordingSender):
    """The adapter with its inbox in a fresh SQLite database and a running worker."""
    from channels.wecom import WeComInput, _WeComTurns
    from keqing.channels.inbox import Inbox, InboxWorker, Spool
    from keqing.channels.intake import Intake
    from keqing.channels.limits import FloodGuard
    from keqing.db import migrate

    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    migrate(url)
    intake = Intake("wecom", Inbox(url), Spool(tmp_path / "spool.jsonl"), FloodGuard.in_memory(30, 10), 2000)
    channel = WeComInput(settings(), sender=sender, intake=intake)
    return channel, lambda on_new_message: InboxWorker(intake.inbox, _WeComTurns(channel, on_new_message),
                                                       min_delay=0.05, max_delay=0.1)


async def test_adapter_turn_with_buttons_and_number_answer(tmp_path):
    received: List[Dict[str, Any]] = []

    async def on_new_message(message):
        received.append({"text": message.text, "sender": message.sender_id, "channel": message.input_channel,
                         "output": message.output_channel.name()})
        if message.text == "帮助":
            await message.output_channel.send_response(message.sender_id, {
                "text": "想做什么？\n\n可以选一个", "buttons": [{"title": "下一步", "payload": "/ask_next_step"}]})
        else:
            await message.output_channel.send_response(message.sender_id, {"text": "收到"})

    sender = RecordingSender()
    channel, make_worker = adapter(tmp_path, sender)
    worker = make_worker(on_new_message)
    channel.worker = lambda: worker

    def inbound(text, msg_id):
        return parse_inbound(text_xml(user="rep1", content=text, msg_id=msg_id))

    await channel.accept(inbound("帮助", "1"))
    await channel.accept(inbound("1", "2"))
    await channel.accept(parse_inbound(
        "<xml><FromUserName>rep1</FromUserName><CreateTime>1</CreateTime><MsgType>image</MsgType>"
        "<MsgId>3</MsgId></xml>"))
    await worker.idle()

    assert [r["text"] for r in received] == ["帮助", "/ask_next_step"]  # in order, the number is the button
    assert received[0]["sender"] == "rep1" and received[0]["channel"] == "wecom"
    assert received[0]["output"] == "wecom"  # channel-specific responses apply
    contents = [m.content for _, m in sender.sent]
    assert contents[0] == "想做什么？\n\n可以选一个\n\n回复 1 = 下一步"  # one bot message = one WeCom message
    assert contents[1] == "收到"
    assert "目前只支持文字" in contents[2]
    assert {u for u, _ in sender.sent} == {"rep1"}
    assert channel.intake.inbox.open_reps("wecom") == []  # all done


async def test_adapter_survives_failing_turn(tmp_path, caplog):
    async def broken(message):
        raise RuntimeError("boom")

    sender = RecordingSender()
    channel, make_worker = adapter(tmp_path, sender)
    worker = make_worker(broken)
    channel.worker = lambda: worker
    await channel.accept(parse_inbound(text_xml()))  # logged, retried, then an apology
    await worker.idle()
    assert "boom" in caplog.text
    assert [m.content for _, m in sender.sent] == ["抱歉,处理这条消息时出错了,请换个说法再试。"]


async def test_adapter_refuses_over_long_text_without_storing(tmp_path):
    async def never(message):
        raise AssertionError("must not reach Rasa")

    sender = RecordingSender()
    channel, make_worker = adapter(tmp_path, sender)
    worker = make_worker(never)
    channel.worker = lambda: worker
    await channel.accept(parse_inbound(text_xml(content="长" * 2001)))
    for _ in range(50):
        if sender.sent:
            break
        await asyncio.sleep(0.02)
    assert [m.content for _, m in sender.sent] == ["这条消息太长了(2001 字),请精简到 2000 字以内再发给我。"]
    assert channel.intake.inbox.next_for("wecom", "u1") is None
