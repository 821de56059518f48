"""Bot messages -> WeCom markdown/text messages: numbered options for buttons, split at line boundaries under the byte limit."""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from typing import (
    Any,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Tuple,
)

from keqing.channels.wecom.crypto import _printable
from keqing.channels.wecom.settings import MESSAGE_MAX_BYTES, MSGTYPES
from keqing.charts import store as pictures

logger = logging.getLogger(__name__)

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

    msgtype: str  # "markdown" | "text" | "image" (content: the picture's URL, uploaded when sent)
    content: str

    def payload(self, user: str, agent_id: int) -> Dict[str, Any]:
        return {"touser": user, "agentid": agent_id, "msgtype": self.msgtype, self.msgtype: {"content": self.content}}

    def to_part(self) -> Dict[str, Any]:
        """As an outbox part (JSON)."""
        return {"msgtype": self.msgtype, "content": self.content}

    @classmethod
    def from_part(cls, part: Mapping[str, Any]) -> Outgoing:
        return cls(str(part.get("msgtype") or "text"), str(part.get("content") or ""))


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
        picture: Optional[Outgoing] = None
        text = message.get("text")
        if text:
            lines.append(str(text).strip())
        image = message.get("image")
        if image and pictures.key_of(str(image)):  # our picture: sent as a WeCom image message
            picture = Outgoing("image", str(image))
        elif image:
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
        if picture is not None:
            rendered.messages.append(picture)
    return rendered


def render_fixed(text: str, msgtype: str = "markdown", limit: int = MESSAGE_MAX_BYTES) -> List[Outgoing]:
    return render_bot_messages([{"text": text}], msgtype, limit).messages
