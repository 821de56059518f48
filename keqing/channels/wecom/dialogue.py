"""Per-user WeCom dialogue state: numbered options mapped back to payloads, welcome throttling."""
from __future__ import annotations

import logging
import time
from typing import (
    Any,
    Callable,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
)

from keqing.channels.state import Cache, shared_cache
from keqing.channels.wecom.inbound import Inbound
from keqing.channels.wecom.render import (
    Button,
    Outgoing,
    number_of,
    render_bot_messages,
    render_fixed,
)
from keqing.channels.wecom.settings import (
    BUTTONS_MAX_USERS,
    BUTTONS_TTL,
    UNSUPPORTED_TEXT,
    WELCOME_EVENTS,
    WELCOME_INTERVAL,
    WELCOME_TEXT,
)

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- dialogue state


class WeComDialogue:
    """Per-user channel state: the last buttons shown, welcome throttling."""

    def __init__(self, msgtype: str = "markdown", welcome_interval: float = WELCOME_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.msgtype = msgtype
        # shared by every replica when KEQING_REDIS_URL is set: "回复 1" may reach another replica
        self.buttons: Cache = shared_cache("wecom-buttons", BUTTONS_TTL, BUTTONS_MAX_USERS, clock)
        self.welcomed: Cache = shared_cache("wecom-welcomed", max(welcome_interval, 0.001), BUTTONS_MAX_USERS, clock)

    def incoming_text(self, user: str, text: str) -> Tuple[str, Optional[Button]]:
        """The text for Rasa: a number answering the last buttons becomes that button's payload."""
        number = number_of(text)
        options: Sequence[Button] = [Button(title, payload) for title, payload in self.buttons.get(user) or ()]
        if number is not None and 1 <= number <= len(options):
            button = options[number - 1]
            return button.payload, button
        return text, None

    def outgoing(self, user: str, bot_messages: Iterable[Mapping[str, Any]]) -> List[Outgoing]:
        """Render a turn's replies and remember its buttons (a turn without buttons forgets them)."""
        rendered = render_bot_messages(bot_messages, self.msgtype)
        if rendered.buttons:
            self.buttons.set(user, [[b.title, b.payload] for b in rendered.buttons])
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
