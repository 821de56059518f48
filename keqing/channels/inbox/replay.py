"""Finding the replies of a turn that already ran, in a tracker's events (a crash between the turn and the
moment its replies were stored in the outbox must not run the turn a second time)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional


def recorded_bot_messages(events: List[Dict[str, Any]], message_id: str) -> Optional[List[Dict[str, Any]]]:
    """Bot messages the tracker `events` hold in answer to the user message `message_id`; None if absent."""
    for index, event in enumerate(events):
        if event.get("event") == "user" and event.get("message_id") == message_id:
            replies = []
            for later in events[index + 1:]:
                if later.get("event") == "user":
                    break
                if later.get("event") == "bot":
                    data = {k: v for k, v in (later.get("data") or {}).items() if v}
                    replies.append({"text": later.get("text"), **data} if later.get("text") else data)
            return replies
    return None
