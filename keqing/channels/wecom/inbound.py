"""One WeCom callback request -> a verified, decrypted, parsed and de-duplicated `Inbound`, or `CallbackRejected`."""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import (
    Any,
    Callable,
    Dict,
    Mapping,
    Optional,
)

from keqing.channels.state import Cache, shared_cache
from keqing.channels.wecom.crypto import (
    CallbackCrypto,
    CallbackRejected,
    _printable,
    parse_xml,
)
from keqing.channels.wecom.settings import (
    DEDUP_MAX_ENTRIES,
    DEDUP_TTL,
    WELCOME_EVENTS,
    WeComSettings,
)

logger = logging.getLogger(__name__)

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


def inbound_payload(inbound: Inbound) -> Dict[str, Any]:
    """What the inbox keeps of a callback to answer it later (the text is kept in its own column)."""
    return {"kind": inbound.kind, "msg_type": inbound.msg_type, "event": inbound.event, "msg_id": inbound.msg_id,
            "agent_id": inbound.agent_id, "create_time": inbound.create_time}


def inbound_from(user: str, key: str, text: str, payload: Mapping[str, Any]) -> Inbound:
    create_time = payload.get("create_time")
    return Inbound(str(payload.get("kind") or "text"), user, key, str(payload.get("msg_type") or "text"), text=text,
                   event=str(payload.get("event") or ""), msg_id=payload.get("msg_id"),
                   agent_id=payload.get("agent_id"), create_time=int(create_time) if create_time else None)


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
        raw_time = data.get("CreateTime")
        create_time = int(str(raw_time)) if raw_time not in (None, "") else None
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
        f"{user}:{create_time}:{msg_type}:{data.get('Content') or data.get('MediaId') or ''}".encode()
    ).hexdigest()
    if msg_type == "text":
        text = str(getattr(message, "content", None) or data.get("Content") or "")
        return Inbound("text", user, key, msg_type, text=text, msg_id=msg_id, agent_id=agent_id,
                       create_time=create_time)
    return Inbound("unsupported", user, key, msg_type, msg_id=msg_id, agent_id=agent_id,
                   create_time=create_time)


class WeComCallback:
    """Turns one HTTP callback into an `Inbound` (or a refusal). Synchronous and fast."""

    def __init__(self, settings: WeComSettings, clock: Callable[[], float] = time.time,
                 dedup: Optional[Cache] = None) -> None:
        self.settings = settings
        self.crypto = CallbackCrypto(settings.token, settings.aes_key, settings.corp_id,
                                     settings.timestamp_tolerance, clock)
        self.dedup: Cache = dedup or shared_cache("wecom-seen", DEDUP_TTL, DEDUP_MAX_ENTRIES)

    def verify_url(self, args: Mapping[str, Optional[str]]) -> str:
        return self.crypto.verify_url(args.get("msg_signature"), args.get("timestamp"), args.get("nonce"),
                                      args.get("echostr"))

    def receive(self, args: Mapping[str, Optional[str]], body: bytes) -> Optional[Inbound]:
        """Verified and parsed message, or None when it is a duplicate delivery (already answered)."""
        inbound = self.parse(args, body)
        if not self.dedup.add(inbound.dedup_key):
            return None
        return inbound

    def parse(self, args: Mapping[str, Optional[str]], body: bytes) -> Inbound:
        """Verified and parsed message; de-duplication is the caller's (see `receive` and the inbox)."""
        if body is None:
            body = b""
        if len(body) > self.settings.max_body_bytes:
            raise CallbackRejected(413, f"body of {len(body)} bytes exceeds {self.settings.max_body_bytes}")
        xml = self.crypto.decrypt_body(args.get("msg_signature"), args.get("timestamp"), args.get("nonce"), body)
        inbound = parse_inbound(xml)
        if inbound.agent_id and inbound.agent_id != str(self.settings.agent_id):
            raise CallbackRejected(403, f"AgentID {_printable(inbound.agent_id)} is not WECOM_AGENT_ID")
        return inbound
