"""WeChat Work channel settings and limits: credentials from credentials.yml or the WECOM_* variables."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import (
    Any,
    Mapping,
    Optional,
)

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
    ) -> WeComSettings:
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
            raise WeComConfigError(f"WECOM_AGENT_ID must be a number, got {values['agent_id']!r}") from None
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
