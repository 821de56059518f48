"""Slack Events API / interactivity payloads -> a checked `SlackMessage` (no Rasa): every malformed or
non-text payload is refused with `BadInput` (4xx) or ignored, never a crash."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Union

from keqing.channels.guard import BadInput

MAX_BODY_BYTES = 1024 * 1024  # Slack events are a few KB; a message is at most 40,000 characters
INTERACTIVE_TYPES = frozenset({"button", "select", "static_select", "external_select", "conversations_select",
                               "users_select", "channels_select", "overflow", "datepicker"})


@dataclass(frozen=True)
class SlackMessage:
    user: str
    text: str
    channel: Optional[str]
    thread_id: Optional[str]
    event_id: str
    users: List[str] = field(default_factory=list)  # the bot's own user ids (mentions to strip)
    supported: bool = True  # a direct message, a mention, or the configured channel

    def metadata(self) -> Dict[str, Any]:
        return {"out_channel": self.channel, "thread_id": self.thread_id, "users": list(self.users)}


@dataclass(frozen=True)
class Challenge:
    value: Any


@dataclass(frozen=True)
class Ignored:
    reason: str


Parsed = Union[SlackMessage, Challenge, Ignored]


def _str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value.strip() else None


def _json_object(raw: Union[str, bytes, None], what: str) -> Dict[str, Any]:
    if raw is None or not raw.strip():
        raise BadInput(400, f"empty {what}")
    if isinstance(raw, bytes):
        if len(raw) > MAX_BODY_BYTES:
            raise BadInput(413, f"{what} of {len(raw)} bytes exceeds {MAX_BODY_BYTES}")
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput(400, f"{what} is not UTF-8") from None
    try:
        data = json.loads(raw)
    except RecursionError:
        raise BadInput(400, f"{what}: JSON nested too deeply") from None
    except ValueError:
        raise BadInput(400, f"{what} is not JSON") from None
    if not isinstance(data, dict):
        raise BadInput(400, f"{what} is a JSON {type(data).__name__}, not an object")
    return data


def parse_event_body(body: Optional[bytes], slack_channel: Optional[str] = None) -> Parsed:
    """An Events API request (application/json)."""
    data = _json_object(body or b"", "event body")
    if "challenge" in data:
        return Challenge(data.get("challenge"))
    event = data.get("event")
    if event is None:
        return Ignored("no event")
    if not isinstance(event, dict):
        raise BadInput(400, "event is not an object")
    if event.get("type") not in ("message", "app_mention") or event.get("bot_id"):
        return Ignored(f"{event.get('type')!s:.30} event")
    text = event.get("text")
    if not isinstance(text, str):
        if text is None:
            return Ignored("message without text (a file or an edit)")
        raise BadInput(400, "event text is not a string")
    if not text.strip():
        return Ignored("empty message")
    user = _str(event.get("user"))
    if user is None:
        raise BadInput(400, "message without a user")
    channel = _str(event.get("channel"))
    ts, thread_ts = _str(event.get("ts")), _str(event.get("thread_ts"))
    direct = event.get("channel_type") == "im"
    thread_id = None if direct and not thread_ts else (thread_ts or ts)
    users: List[str] = []
    authed = data.get("authed_users")
    if isinstance(authed, list):
        users = [u for u in authed if isinstance(u, str)]
    else:
        auths = data.get("authorizations")
        if isinstance(auths, list) and auths and isinstance(auths[0], dict) and _str(auths[0].get("user_id")):
            users = [auths[0]["user_id"]]
    event_id = _str(data.get("event_id")) or f"{channel}:{ts}:{user}"
    supported = direct or event.get("type") == "app_mention" or (slack_channel is not None and channel == slack_channel)
    return SlackMessage(user, text, channel, thread_id, event_id, users, supported)


def parse_interactive(payload: Optional[str], value_of: Callable[[Dict[str, Any]], Optional[str]]) -> Parsed:
    """An interactivity request (form field `payload`); `value_of` reads the clicked value (Rasa's parser)."""
    data = _json_object(payload, "interactive payload")
    actions = data.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise BadInput(400, "interactive payload without actions")
    action = actions[0]
    if action.get("type") not in INTERACTIVE_TYPES:
        return Ignored(f"interactive {action.get('type')!s:.30}")
    user: Dict[str, Any] = data["user"] if isinstance(data.get("user"), dict) else {}
    user_id = _str(user.get("id"))
    if user_id is None:
        raise BadInput(400, "interactive payload without a user")
    try:
        value = value_of(action)
    except (AttributeError, IndexError, KeyError, TypeError):
        raise BadInput(400, "unreadable interactive action") from None
    if not isinstance(value, str) or not value.strip():
        return Ignored("link button or empty value")
    channel_obj: Dict[str, Any] = data["channel"] if isinstance(data.get("channel"), dict) else {}
    message: Dict[str, Any] = data["message"] if isinstance(data.get("message"), dict) else {}
    channel = _str(channel_obj.get("id"))
    thread_id = _str(message.get("thread_ts")) or _str(message.get("ts"))
    key = _str(data.get("trigger_id")) or _str(action.get("action_ts")) or hashlib.sha1(
        (payload or "").encode("utf-8")).hexdigest()
    return SlackMessage(user_id, value, channel, thread_id, f"action:{key}", [user_id])


def is_retryable(error: BaseException) -> bool:
    """Network errors, timeouts, Slack's rate limit and server errors."""
    import asyncio

    import aiohttp

    if isinstance(error, (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError)):
        return True
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    data = getattr(response, "data", None)
    err = data.get("error") if isinstance(data, dict) else None
    return status == 429 or (isinstance(status, int) and status >= 500) or err in ("ratelimited", "fatal_error",
                                                                                    "internal_error")
