"""WeChat Work (企业微信) channel logic, free of Rasa.

`channels/wecom.py` is the thin Rasa adapter; everything here can be unit-tested without a server:

* `WeComSettings`      configuration from credentials and the WECOM_* environment variables;
* `CallbackCrypto`     the callback protocol (msg_signature, timestamp window, AES-256-CBC with the
                       receiveid check) built on wechatpy's enterprise crypto;
* `WeComCallback`      one callback request -> verified, decrypted, parsed and de-duplicated `Inbound`,
                       or `CallbackRejected` (a 4xx with the reason);
* `TTLCache`           bounded cache with expiry (MsgId de-duplication, last buttons per user);
* `WeComDialogue`      numbered button options and their mapping back to payloads, rendering of bot
                       messages to markdown/text split at line boundaries by UTF-8 bytes;
* `WeComSender`        the (blocking) message API client with cached access token.

The protocol, as published by Tencent (加解密方案说明):
  msg_signature = sha1(sorted([token, timestamp, nonce, encrypt]) joined)
  encrypt = base64(AES-256-CBC(key=base64decode(EncodingAESKey + "="), iv=key[:16],
                   PKCS#7 to 32 bytes (random16 + len4 (big-endian) + msg + receiveid)))
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
import struct
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"

# WeCom limits: markdown.content and text.content are at most 2048 bytes (UTF-8).
MESSAGE_MAX_BYTES = 2048
# A callback body is a small XML envelope (a text message is at most 2048 bytes before encryption).
MAX_BODY_BYTES = 64 * 1024
# Accepted clock difference between the callback's timestamp and ours, in seconds.
TIMESTAMP_TOLERANCE = 300
# How long a MsgId is remembered (WeCom retries three times within ~15 s; keep it longer than the
# timestamp window so that a replay inside the window is recognised too).
DEDUP_TTL = 900
DEDUP_MAX_ENTRIES = 20_000
# Last buttons shown to a user.
BUTTONS_TTL = 24 * 3600
BUTTONS_MAX_USERS = 10_000
# `enter_agent` fires every time the rep opens the app; greet at most this often.
WELCOME_INTERVAL = 12 * 3600

UNSUPPORTED_TEXT = "目前只支持文字，请把客户的情况打字发给我。"
WELCOME_TEXT = (
    "你好，我是客情参谋。\n"
    "用一两句话告诉我客户的情况（性格、关系、我们的份额），我帮你判断客户类型、合作阶段和下一步怎么做。\n"
    "例如：王总说一不二，我们现在占他们三成的量。"
)

# Incoming message types that are answered with UNSUPPORTED_TEXT.
NON_TEXT_TYPES = frozenset({"image", "voice", "video", "shortvideo", "file", "location", "link"})
# Events answered with WELCOME_TEXT.
WELCOME_EVENTS = frozenset({"enter_agent", "subscribe"})

MSGTYPES = ("markdown", "text")

ENV_VARS = {
    "corp_id": "WECOM_CORP_ID",
    "agent_id": "WECOM_AGENT_ID",
    "secret": "WECOM_SECRET",
    "token": "WECOM_TOKEN",
    "aes_key": "WECOM_AES_KEY",
    "api_base": "WECOM_API_BASE",
}
REQUIRED = ("corp_id", "agent_id", "secret", "token", "aes_key")

# errcodes worth a hint in the log
ERROR_HINTS = {
    60020: "服务器出口 IP 不在应用的「企业可信IP」列表里 (not in the app's trusted IPs)",
    81013: "成员不在应用的可见范围内 (user not in the app's visible range)",
    82001: "接收人全部无效 (all recipients invalid)",
    45009: "接口调用超过频率限制 (API rate limit)",
    44004: "消息内容为空 (empty content)",
    40056: "agentid 不合法 (wrong WECOM_AGENT_ID)",
    40001: "secret 不正确 (wrong WECOM_SECRET)",
    40013: "corpid 不正确 (wrong WECOM_CORP_ID)",
}


class WeComConfigError(ValueError):
    """The channel cannot be configured (missing or malformed settings)."""


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class WeComSettings:
    corp_id: str
    agent_id: int
    secret: str
    token: str
    aes_key: str
    api_base: str = DEFAULT_API_BASE
    msgtype: str = "markdown"
    timestamp_tolerance: int = TIMESTAMP_TOLERANCE
    max_body_bytes: int = MAX_BODY_BYTES
    welcome_interval: int = WELCOME_INTERVAL

    @classmethod
    def from_sources(
        cls, credentials: Optional[Mapping[str, Any]] = None, env: Optional[Mapping[str, str]] = None
    ) -> "WeComSettings":
        """Credentials entries win over the environment; empty values count as missing."""
        credentials = dict(credentials or {})
        env = env or {}

        def pick(key: str) -> str:
            value = credentials.get(key)
            if value is None or str(value).strip() == "":
                value = env.get(ENV_VARS[key], "")
            return str(value or "").strip()

        values = {key: pick(key) for key in ENV_VARS}
        missing = [ENV_VARS[key] for key in REQUIRED if not values[key]]
        if missing:
            raise WeComConfigError("WeCom channel is missing " + ", ".join(missing))
        try:
            agent_id = int(values["agent_id"])
        except ValueError:
            raise WeComConfigError(f"WECOM_AGENT_ID must be a number, got {values['agent_id']!r}")
        if len(values["aes_key"]) != 43:
            raise WeComConfigError("WECOM_AES_KEY (EncodingAESKey) must be exactly 43 characters")
        msgtype = str(credentials.get("msgtype") or "markdown").strip().lower()
        if msgtype not in MSGTYPES:
            raise WeComConfigError(f"msgtype must be one of {MSGTYPES}, got {msgtype!r}")
        extra = {}
        for key in ("timestamp_tolerance", "max_body_bytes", "welcome_interval"):
            if credentials.get(key) not in (None, ""):
                extra[key] = int(credentials[key])
        return cls(
            corp_id=values["corp_id"],
            agent_id=agent_id,
            secret=values["secret"],
            token=values["token"],
            aes_key=values["aes_key"],
            api_base=(values["api_base"] or DEFAULT_API_BASE).rstrip("/"),
            msgtype=msgtype,
            **extra,
        )


# --------------------------------------------------------------------------- protocol


class CallbackRejected(Exception):
    """A callback request that must be refused with a 4xx status."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


def _sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _printable(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class CallbackCrypto:
    """Signature, timestamp and AES checks of WeCom callbacks, on top of wechatpy.

    wechatpy's `WeChatCrypto` derives and checks the key and provides the AES cipher; the decryption
    here is strict (strict base64, block length, PKCS#7 padding, length field, UTF-8, receiveid) so
    that corrupted input is refused with a precise reason instead of an arbitrary exception.
    """

    def __init__(
        self,
        token: str,
        aes_key: str,
        corp_id: str,
        timestamp_tolerance: Optional[int] = TIMESTAMP_TOLERANCE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto

        try:
            self._wechat = WeChatCrypto(token, aes_key, corp_id)
        except (AssertionError, binascii.Error, ValueError) as e:
            raise WeComConfigError(f"invalid EncodingAESKey: {e or 'wrong length'}") from None
        self._prp = PrpCrypto(self._wechat.key)
        self.token = token
        self.corp_id = corp_id
        self.timestamp_tolerance = timestamp_tolerance
        self.clock = clock

    @property
    def wechat_crypto(self) -> Any:
        """The underlying `wechatpy.enterprise.crypto.WeChatCrypto`."""
        return self._wechat

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return _sha1_signature(self.token, timestamp, nonce, encrypt)

    def check_timestamp(self, timestamp: Optional[str]) -> None:
        if not timestamp or not timestamp.isdigit() or len(timestamp) > 12:
            raise CallbackRejected(400, f"malformed timestamp {_printable(timestamp)}")
        if self.timestamp_tolerance is None:
            return
        skew = abs(self.clock() - int(timestamp))
        if skew > self.timestamp_tolerance:
            raise CallbackRejected(
                403, f"expired timestamp {timestamp} ({int(skew)} s off, tolerance {self.timestamp_tolerance} s)"
            )

    def check_signature(self, signature: Optional[str], timestamp: str, nonce: str, encrypt: str) -> None:
        if not signature:
            raise CallbackRejected(400, "missing msg_signature")
        expected = self.signature(timestamp, nonce, encrypt)
        if not hmac.compare_digest(expected.encode("ascii"), str(signature).lower().encode("utf-8", "replace")):
            raise CallbackRejected(403, "msg_signature does not match (forged request or wrong WECOM_TOKEN)")

    def decrypt(self, encrypt: str) -> str:
        """Decrypt an `Encrypt`/`echostr` value; the receiveid must be our corp id."""
        try:
            raw = base64.b64decode(encrypt.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise CallbackRejected(400, "ciphertext is not valid base64") from None
        if not raw:
            raise CallbackRejected(400, "empty ciphertext")
        if len(raw) % 32:
            raise CallbackRejected(400, f"ciphertext length {len(raw)} is not a multiple of 32 bytes")
        plain = self._prp.cipher.decrypt(raw)
        pad = plain[-1]
        if not 1 <= pad <= 32 or plain[-pad:] != bytes([pad]) * pad:
            raise CallbackRejected(400, "corrupted ciphertext (bad PKCS#7 padding)")
        content = plain[16:-pad]
        if len(content) < 4:
            raise CallbackRejected(400, "corrupted ciphertext (too short)")
        (length,) = struct.unpack(">I", content[:4])
        if 4 + length > len(content):
            raise CallbackRejected(400, "corrupted ciphertext (bad length field)")
        try:
            message = content[4 : 4 + length].decode("utf-8")
            receive_id = content[4 + length :].decode("utf-8")
        except UnicodeDecodeError:
            raise CallbackRejected(400, "corrupted ciphertext (not UTF-8)") from None
        if not hmac.compare_digest(receive_id.encode("utf-8"), self.corp_id.encode("utf-8")):
            raise CallbackRejected(
                403, f"receiveid {_printable(receive_id)} is not WECOM_CORP_ID (wrong corp id)"
            )
        return message

    def verify_url(self, msg_signature: Optional[str], timestamp: Optional[str], nonce: Optional[str],
                   echostr: Optional[str]) -> str:
        """URL verification (GET): returns the plaintext to answer with."""
        if not echostr or nonce is None:
            raise CallbackRejected(400, "missing echostr/nonce")
        # A literal '+' in a query string decodes to a space; base64 never contains spaces.
        echostr = echostr.replace(" ", "+")
        self.check_timestamp(timestamp)
        self.check_signature(msg_signature, timestamp, nonce, echostr)  # type: ignore[arg-type]
        return self.decrypt(echostr)

    def decrypt_body(self, msg_signature: Optional[str], timestamp: Optional[str], nonce: Optional[str],
                     body: bytes) -> str:
        """A message callback (POST): returns the decrypted plaintext XML."""
        if nonce is None:
            raise CallbackRejected(400, "missing nonce")
        self.check_timestamp(timestamp)
        envelope = parse_xml(body, what="callback body")
        encrypt = envelope.get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt.strip():
            raise CallbackRejected(400, "callback body has no <Encrypt>")
        encrypt = encrypt.strip()
        self.check_signature(msg_signature, timestamp, nonce, encrypt)  # type: ignore[arg-type]
        return self.decrypt(encrypt)

    def encrypt_message(self, xml: str, nonce: str, timestamp: Optional[str] = None) -> str:
        """An encrypted envelope as WeCom sends it (wechatpy); handy for tools and tests."""
        return self._wechat.encrypt_message(xml, nonce, timestamp)


def parse_xml(data: Any, what: str = "XML") -> Dict[str, Any]:
    """Parse `<xml>...</xml>` into a dict; entities are disabled. Raises CallbackRejected(400)."""
    import xmltodict
    from xml.parsers.expat import ExpatError

    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise CallbackRejected(400, f"{what} is not UTF-8") from None
    if not data or not data.strip():
        raise CallbackRejected(400, f"empty {what}")
    try:
        parsed = xmltodict.parse(data, disable_entities=True)
    except (ExpatError, ValueError) as e:
        raise CallbackRejected(400, f"malformed {what} (truncated?): {e}") from None
    root = parsed.get("xml") if isinstance(parsed, dict) else None
    if not isinstance(root, dict):
        raise CallbackRejected(400, f"{what} has no <xml> root")
    return root


# --------------------------------------------------------------------------- inbound


@dataclass(frozen=True)
class Inbound:
    """One decrypted callback."""

    kind: str  # "text" | "event" | "unsupported" | "ignored"
    user: str
    dedup_key: str
    msg_type: str
    text: str = ""
    event: str = ""
    msg_id: Optional[str] = None
    agent_id: Optional[str] = None
    create_time: Optional[int] = None


def parse_inbound(xml: str) -> Inbound:
    """Parse the decrypted XML with wechatpy and classify it."""
    from wechatpy.enterprise import parse_message

    root = parse_xml(xml, what="decrypted message")  # validates before wechatpy sees it
    if not isinstance(root.get("MsgType"), str):
        raise CallbackRejected(400, "decrypted message has no MsgType")
    try:
        message = parse_message(xml)
        data: Dict[str, Any] = dict(getattr(message, "_data", None) or root)
        user = str(getattr(message, "source", None) or "").strip()
        create_time = data.get("CreateTime")
        create_time = int(create_time) if create_time not in (None, "") else None
    except CallbackRejected:
        raise
    except Exception as e:  # wechatpy field converters raise on garbage
        raise CallbackRejected(400, f"unparsable message: {type(e).__name__}: {e}") from None
    if not user:
        raise CallbackRejected(400, "message without FromUserName")
    msg_type = str(data.get("MsgType") or "").lower()
    msg_id = str(data.get("MsgId") or "").strip() or None
    agent_id = str(data.get("AgentID") or "").strip() or None
    if msg_type == "event":
        event = str(data.get("Event") or "").lower()
        key = f"event:{user}:{create_time}:{event}:{data.get('EventKey') or ''}"
        kind = "event" if event in WELCOME_EVENTS else "ignored"
        return Inbound(kind, user, key, msg_type, event=event, agent_id=agent_id, create_time=create_time)
    key = f"msg:{msg_id}" if msg_id else "nomsgid:" + hashlib.sha1(
        f"{user}:{create_time}:{msg_type}:{data.get('Content') or data.get('MediaId') or ''}".encode("utf-8")
    ).hexdigest()
    if msg_type == "text":
        text = str(getattr(message, "content", None) or data.get("Content") or "")
        return Inbound("text", user, key, msg_type, text=text, msg_id=msg_id, agent_id=agent_id,
                       create_time=create_time)
    return Inbound("unsupported", user, key, msg_type, msg_id=msg_id, agent_id=agent_id,
                   create_time=create_time)


class TTLCache:
    """A bounded mapping whose entries expire; oldest entries are dropped first. Thread-safe."""

    def __init__(self, ttl: float, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be positive")
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._data: "OrderedDict[str, Tuple[float, Any]]" = OrderedDict()
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        while self._data:
            key, (expires, _) = next(iter(self._data.items()))
            if expires > now:
                break
            del self._data[key]

    def add(self, key: str, value: Any = True) -> bool:
        """Insert `key` unless it is present and fresh; True when it was new."""
        with self._lock:
            now = self.clock()
            self._expire(now)
            if key in self._data:
                return False
            self._set(key, value, now)
            return True

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            now = self.clock()
            self._expire(now)
            self._data.pop(key, None)
            self._set(key, value, now)

    def _set(self, key: str, value: Any, now: float) -> None:
        self._data[key] = (now + self.ttl, value)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            self._expire(self.clock())
            entry = self._data.get(key)
            return entry[1] if entry else default

    def pop(self, key: str, default: Any = None) -> Any:
        with self._lock:
            entry = self._data.pop(key, None)
            return entry[1] if entry and entry[0] > self.clock() else default

    def __contains__(self, key: object) -> bool:
        with self._lock:
            self._expire(self.clock())
            return key in self._data

    def __len__(self) -> int:
        with self._lock:
            self._expire(self.clock())
            return len(self._data)


class WeComCallback:
    """Turns one HTTP callback into an `Inbound` (or a refusal). Synchronous and fast."""

    def __init__(self, settings: WeComSettings, clock: Callable[[], float] = time.time,
                 dedup: Optional[TTLCache] = None) -> None:
        self.settings = settings
        self.crypto = CallbackCrypto(settings.token, settings.aes_key, settings.corp_id,
                                     settings.timestamp_tolerance, clock)
        self.dedup = dedup or TTLCache(DEDUP_TTL, DEDUP_MAX_ENTRIES)

    def verify_url(self, args: Mapping[str, Optional[str]]) -> str:
        return self.crypto.verify_url(args.get("msg_signature"), args.get("timestamp"), args.get("nonce"),
                                      args.get("echostr"))

    def receive(self, args: Mapping[str, Optional[str]], body: bytes) -> Optional[Inbound]:
        """Verified and parsed message, or None when it is a duplicate delivery (already answered)."""
        if body is None:
            body = b""
        if len(body) > self.settings.max_body_bytes:
            raise CallbackRejected(413, f"body of {len(body)} bytes exceeds {self.settings.max_body_bytes}")
        xml = self.crypto.decrypt_body(args.get("msg_signature"), args.get("timestamp"), args.get("nonce"), body)
        inbound = parse_inbound(xml)
        if inbound.agent_id and inbound.agent_id != str(self.settings.agent_id):
            raise CallbackRejected(403, f"AgentID {_printable(inbound.agent_id)} is not WECOM_AGENT_ID")
        if not self.dedup.add(inbound.dedup_key):
            return None
        return inbound


# --------------------------------------------------------------------------- buttons


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


_NUMBER_ANSWER = re.compile(r"^(?:回复|选|选择|第)?\s*(\d{1,3})\s*(?:个|项|号)?\s*[.。、)）]?$")


def normalise_answer(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def number_of(text: str) -> Optional[int]:
    """The option number a rep typed ("1", "１", "1.", "回复 2"), or None."""
    match = _NUMBER_ANSWER.match(normalise_answer(text))
    return int(match.group(1)) if match else None


def option_line(number: int, title: str) -> str:
    return f"回复 {number} = {title}"


# --------------------------------------------------------------------------- rendering


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _hard_split(line: str, limit: int) -> List[str]:
    """Split one over-long line at character boundaries so that each part fits `limit` bytes."""
    parts: List[str] = []
    current: List[str] = []
    size = 0
    for char in line:
        n = utf8_len(char)
        if size + n > limit and current:
            parts.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += n
    if current:
        parts.append("".join(current))
    return parts


def split_by_bytes(text: str, limit: int = MESSAGE_MAX_BYTES) -> List[str]:
    """Split `text` into chunks of at most `limit` UTF-8 bytes, at line boundaries where possible.

    Lines are never cut unless a single line is longer than the limit (then it is cut between
    characters, never inside a multi-byte character). Newlines at chunk borders are dropped;
    empty chunks are not returned.
    """
    if limit < 4:
        raise ValueError("limit must be at least 4 bytes")
    text = (text or "").strip("\n")
    if not text.strip():
        return []
    if utf8_len(text) <= limit:
        return [text]
    chunks: List[str] = []
    current: List[str] = []
    size = 0

    def flush() -> None:
        nonlocal current, size
        chunk = "\n".join(current).strip("\n")
        if chunk.strip():
            chunks.append(chunk)
        current, size = [], 0

    for line in text.split("\n"):
        pieces = _hard_split(line, limit) if utf8_len(line) > limit else [line]
        for piece in pieces:
            extra = utf8_len(piece) + (1 if current else 0)
            if current and size + extra > limit:
                flush()
                extra = utf8_len(piece)
            current.append(piece)
            size += extra
    flush()
    return chunks


_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_MD_EMPH = re.compile(r"(\*\*|__)(.+?)\1")
_MD_HEADER = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?", re.MULTILINE)
_MD_FONT = re.compile(r"</?font[^>]*>")


def markdown_to_text(text: str) -> str:
    """Plain text for clients that cannot render markdown (the WeCom text message)."""
    text = _MD_LINK.sub(lambda m: f"{m.group(1)} {m.group(2)}", text)
    text = _MD_EMPH.sub(r"\2", text)
    text = _MD_HEADER.sub("", text)
    text = _MD_QUOTE.sub("", text)
    text = _MD_FONT.sub("", text)
    return text.replace("`", "")


@dataclass(frozen=True)
class Outgoing:
    """One WeCom message to send (`content` is within the byte limit)."""

    msgtype: str  # "markdown" | "text"
    content: str

    def payload(self, user: str, agent_id: int) -> Dict[str, Any]:
        return {"touser": user, "agentid": agent_id, "msgtype": self.msgtype, self.msgtype: {"content": self.content}}


@dataclass
class Rendered:
    messages: List[Outgoing] = field(default_factory=list)
    buttons: List[Button] = field(default_factory=list)


def _button_of(raw: Any) -> Optional[Tuple[str, Optional[str], Optional[str]]]:
    """(title, payload, url) of a Rasa button/quick reply dict."""
    if not isinstance(raw, Mapping):
        return None
    title = str(raw.get("title") or raw.get("text") or "").strip()
    url = raw.get("url")
    payload = raw.get("payload")
    if payload is None and not url:
        payload = title
    if not title and payload:
        title = str(payload)
    if not title:
        return None
    return title, (str(payload) if payload is not None else None), (str(url) if url else None)


def render_bot_messages(messages: Iterable[Mapping[str, Any]], msgtype: str = "markdown",
                        limit: int = MESSAGE_MAX_BYTES) -> Rendered:
    """Render a turn's bot messages (Rasa's collected dicts) to WeCom messages.

    Buttons and quick replies become numbered lines "回复 1 = 下一步" (numbered across the turn) and
    are returned so that the caller can map a number back to the payload; link buttons become links.
    """
    if msgtype not in MSGTYPES:
        raise ValueError(f"unknown msgtype {msgtype!r}")
    rendered = Rendered()
    for message in messages:
        lines: List[str] = []
        text = message.get("text")
        if text:
            lines.append(str(text).strip())
        image = message.get("image")
        if image:
            lines.append(f"[图片]({image})" if msgtype == "markdown" else f"图片: {image}")
        attachment = message.get("attachment")
        if attachment:
            lines.append(str(attachment if not isinstance(attachment, Mapping) else
                             attachment.get("text") or attachment.get("title") or attachment.get("url") or ""))
        custom = message.get("custom")
        if isinstance(custom, Mapping):
            for key in ("text", "markdown", "content"):
                if isinstance(custom.get(key), str) and custom[key].strip():
                    lines.append(custom[key].strip())
                    break
            else:
                logger.debug("WeCom: custom payload without text ignored: %s", _printable(custom, 80))
        options: List[str] = []
        for raw in list(message.get("buttons") or []) + list(message.get("quick_replies") or []):
            parsed = _button_of(raw)
            if not parsed:
                continue
            title, payload, url = parsed
            if url and payload is None:
                options.append(f"[{title}]({url})" if msgtype == "markdown" else f"{title}: {url}")
                continue
            rendered.buttons.append(Button(title, payload or title))
            options.append(option_line(len(rendered.buttons), title))
        if options:
            lines.append("\n".join(options))
        body = "\n\n".join(line for line in lines if line)
        if msgtype == "text":
            body = markdown_to_text(body)
        for chunk in split_by_bytes(body, limit):
            rendered.messages.append(Outgoing(msgtype, chunk))
    return rendered


def render_fixed(text: str, msgtype: str = "markdown", limit: int = MESSAGE_MAX_BYTES) -> List[Outgoing]:
    return render_bot_messages([{"text": text}], msgtype, limit).messages


# --------------------------------------------------------------------------- dialogue state


class WeComDialogue:
    """Per-user channel state: the last buttons shown, welcome throttling."""

    def __init__(self, msgtype: str = "markdown", welcome_interval: float = WELCOME_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.msgtype = msgtype
        self.buttons = TTLCache(BUTTONS_TTL, BUTTONS_MAX_USERS, clock)
        self.welcomed = TTLCache(max(welcome_interval, 0.001), BUTTONS_MAX_USERS, clock)

    def incoming_text(self, user: str, text: str) -> Tuple[str, Optional[Button]]:
        """The text for Rasa: a number answering the last buttons becomes that button's payload."""
        number = number_of(text)
        options: Sequence[Button] = self.buttons.get(user) or ()
        if number is not None and 1 <= number <= len(options):
            button = options[number - 1]
            return button.payload, button
        return text, None

    def outgoing(self, user: str, bot_messages: Iterable[Mapping[str, Any]]) -> List[Outgoing]:
        """Render a turn's replies and remember its buttons (a turn without buttons forgets them)."""
        rendered = render_bot_messages(bot_messages, self.msgtype)
        if rendered.buttons:
            self.buttons.set(user, tuple(rendered.buttons))
        else:
            self.buttons.pop(user)
        return rendered.messages

    def reply_to(self, inbound: Inbound) -> List[Outgoing]:
        """Fixed channel replies to non-text input (events, media)."""
        if inbound.kind == "unsupported":
            return render_fixed(UNSUPPORTED_TEXT, self.msgtype)
        if inbound.kind == "event" and inbound.event in WELCOME_EVENTS:
            if inbound.event == "enter_agent" and not self.welcomed.add(inbound.user):
                return []
            self.welcomed.set(inbound.user, True)
            return render_fixed(WELCOME_TEXT, self.msgtype)
        return []


# --------------------------------------------------------------------------- message API


class WeComSendError(RuntimeError):
    pass


def describe_error(errcode: Any, errmsg: Any) -> str:
    try:
        hint = ERROR_HINTS.get(int(errcode))
    except (TypeError, ValueError):
        hint = None
    return f"errcode {errcode}: {errmsg}" + (f" — {hint}" if hint else "")


def make_client(settings: WeComSettings, timeout: float = 10.0) -> Any:
    """wechatpy's enterprise client on `settings.api_base`; the access token is cached in its session."""
    import requests
    from wechatpy.enterprise import WeChatClient

    class _TimeoutSession(requests.Session):
        def request(self, method: str, url: str, **kwargs: Any) -> Any:  # type: ignore[override]
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = timeout
            return super().request(method, url, **kwargs)

    class KeqingWeComClient(WeChatClient):
        def __init__(self) -> None:
            super().__init__(settings.corp_id, settings.secret, timeout=timeout)
            self.API_BASE_URL = settings.api_base.rstrip("/") + "/cgi-bin/"
            self._http = _TimeoutSession()
            self._token_lock = threading.Lock()

        def fetch_access_token(self) -> Any:
            # the official client hard-codes https://qyapi.weixin.qq.com here
            with self._token_lock:
                return self._fetch_access_token(
                    url=self.API_BASE_URL + "gettoken",
                    params={"corpid": self.corp_id, "corpsecret": self.secret},
                )

    return KeqingWeComClient()


class WeComSender:
    """Sends messages through the WeCom message API. Blocking: call it off the event loop."""

    def __init__(self, settings: WeComSettings, client: Any = None) -> None:
        self.settings = settings
        self.client = client or make_client(settings)

    def send(self, user: str, message: Outgoing) -> Dict[str, Any]:
        from wechatpy.exceptions import WeChatClientException

        data = message.payload(user, self.settings.agent_id)
        try:
            result = self.client.message.send(
                self.settings.agent_id, user, msg={"msgtype": message.msgtype, message.msgtype: data[message.msgtype]}
            )
        except WeChatClientException as e:
            raise WeComSendError(describe_error(e.errcode, e.errmsg)) from e
        if isinstance(result, dict) and result.get("invaliduser"):
            logger.warning("WeCom: invalid recipient %s (%s)", result.get("invaliduser"), ERROR_HINTS[81013])
        return result if isinstance(result, dict) else {}

    def send_all(self, user: str, messages: Sequence[Outgoing]) -> int:
        """Send in order; stops at the first failure (logged). Returns how many were sent."""
        sent = 0
        for message in messages:
            try:
                self.send(user, message)
            except WeComSendError as e:
                logger.error("WeCom: sending to %s failed: %s", user, e)
                return sent
            except Exception as e:  # network and the like
                logger.error("WeCom: sending to %s failed: %s: %s", user, type(e).__name__, e)
                return sent
            sent += 1
        return sent
