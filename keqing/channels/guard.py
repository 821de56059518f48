"""Input checks shared by the channels: the text cap, bearer tokens, and the REST request body.

Everything here raises `BadInput(status, reason)` for a request that must be refused with a 4xx; the
reason is for the log (never shown to a rep).
"""
from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

# REST bodies larger than this are refused unread (413); a message of max_message_chars fits many times over.
REST_MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_SENDER_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadInput(Exception):
    """A request to refuse with `status` (4xx)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


def clean_text(text: str) -> str:
    """The text without control characters (NUL and the like), trimmed."""
    return _CONTROL.sub("", text).strip()


def over_limit(text: str, max_chars: int) -> bool:
    return len(text) > max_chars


def bearer_matches(header: Optional[str], token: Optional[str]) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time; False when no token is configured."""
    if not token or not header:
        return False
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.strip().encode("utf-8", "replace"), token.encode("utf-8"))


@dataclass(frozen=True)
class RestMessage:
    sender: str
    text: str
    metadata: Dict[str, Any] = field(default_factory=dict)


def parse_rest_body(body: Optional[bytes], content_type: Optional[str],
                    max_bytes: int = REST_MAX_BODY_BYTES) -> RestMessage:
    """`{"sender": "...", "message": "...", "metadata": {...}}` or BadInput."""
    body = body or b""
    if len(body) > max_bytes:
        raise BadInput(413, f"body of {len(body)} bytes exceeds {max_bytes}")
    if not body.strip():
        raise BadInput(400, "empty body")
    kind = (content_type or "application/json").split(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        raise BadInput(415, f"content type {kind[:60]!r} is not JSON")
    try:
        raw = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(400, "body is not UTF-8") from None
    try:
        data = json.loads(raw)
    except RecursionError:
        raise BadInput(400, "JSON nested too deeply") from None
    except ValueError as e:
        raise BadInput(400, f"malformed JSON: {str(e)[:80]}") from None
    if not isinstance(data, dict):
        raise BadInput(400, f"JSON body is a {type(data).__name__}, not an object")
    sender = data.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip():
        raise BadInput(400, "no sender")
    if len(sender) > MAX_SENDER_CHARS or _CONTROL.search(sender):
        raise BadInput(400, "sender too long or with control characters")
    message = data.get("message", data.get("text"))
    if not isinstance(message, str):
        raise BadInput(400, "message is not text")
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadInput(400, "metadata is not an object")
    return RestMessage(sender.strip(), clean_text(message), dict(metadata or {}))
