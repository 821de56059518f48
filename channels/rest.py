"""REST channel that requires a token: `channels.rest.KeqingRestInput`, POST /webhooks/rest/webhook.

    curl -H "Authorization: Bearer $KEQING_REST_TOKEN" -H "Content-Type: application/json" \
         -d '{"sender": "zhangsan", "message": "你好"}' http://host:5005/webhooks/rest/webhook

`make server` turns it on only when KEQING_REST_TOKEN is set (credentials: `token: ${KEQING_REST_TOKEN}`).
Whoever holds the token may speak for any `sender`: it is meant for a trusted front end that has
identified the rep itself. Answers:
* 401 without the right token; 400/413/415 for a malformed, over-size or non-JSON body (never a 500);
* 200 with a short Chinese reply for an over-long message (nothing reaches Rasa or the tracker store);
* 429 with a slow-down reply when the sender floods; 503 with a "please resend" reply when the action
  server or the database is down; otherwise 200 with the bot's messages, as Rasa's REST channel does.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.support import Readiness
from keqing.channels import texts
from keqing.channels.guard import BadInput, bearer_matches, parse_rest_body
from keqing.channels.intake import Intake
from keqing.charts import store as pictures
from keqing.dialogue.replies.base import internal_error
from keqing.settings import settings

logger = logging.getLogger(__name__)


class KeqingRestInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        token = str((credentials or {}).get("token") or settings().rest_token or "").strip()
        if not token:
            raise ValueError("the REST channel needs a token (KEQING_REST_TOKEN)")
        return cls(token)

    def __init__(self, token: str, intake: Optional[Intake] = None) -> None:
        self.token = token
        self.intake = intake or Intake.from_settings(self.name(), settings())
        self.readiness = Readiness(self.intake.inbox)
        logger.info("REST channel on: requests need Authorization: Bearer <KEQING_REST_TOKEN>")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rest = Blueprint("keqing_rest_webhook", __name__)

        @rest.listener("after_server_start")
        async def _keep_app(app: Any, _loop: Any) -> None:
            self.readiness.app = app

        @rest.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest.route("/pictures/<name>", methods=["GET"])
        async def picture(_: Request, name: str) -> HTTPResponse:
            """A rendered picture (the style map); its URL is the sha256 of its content (unguessable)."""
            key = pictures.key_of(f"{pictures.PATH}{name}")
            content = await asyncio.to_thread(pictures.Pictures(settings().resolved_db_url()).get, key) if key else None
            if content is None:
                return response.text("not found", status=404)
            return response.raw(content, content_type="image/png")

        @rest.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not bearer_matches(request.headers.get("authorization"), self.token):
                logger.warning("REST: request without the right bearer token refused")
                return response.json({"error": "unauthorized"}, status=401,
                                     headers={"WWW-Authenticate": 'Bearer realm="keqing"'})
            try:
                message = parse_rest_body(request.body, request.headers.get("content-type"))
            except BadInput as e:
                logger.warning("REST: refused: %d %s", e.status, e.reason)
                if e.status == 413:  # the sender is unknown; still say it politely
                    return response.json([{"recipient_id": None, "text": texts.too_long(0, self.intake.max_chars)}], status=413)
                return response.json({"error": e.reason}, status=e.status)
            refusal = self.intake.screen(message.sender, message.text)
            if refusal is not None:
                status = 200 if refusal.reason == "too_long" else 429
                reply = refusal.reply or texts.SLOW_DOWN_TEXT
                return response.json([{"recipient_id": message.sender, "text": reply}], status=status)
            if not message.text:
                return response.json({"error": "empty message"}, status=400)
            if not await self.readiness():
                return response.json([{"recipient_id": message.sender, "text": texts.BUSY_RETRY_TEXT}], status=503,
                                     headers={"Retry-After": "30"})
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(message.text, collector, message.sender, input_channel=self.name(),
                                                 metadata=message.metadata or None))
            except Exception:
                logger.exception("REST: the turn of %s failed", message.sender)
                return response.json(_as_list(message.sender, [r.text for r in internal_error()]))
            if not collector.messages and not await self.readiness():
                return response.json([{"recipient_id": message.sender, "text": texts.BUSY_RETRY_TEXT}], status=503,
                                     headers={"Retry-After": "30"})
            return response.json(collector.messages)

        return rest


def _as_list(sender: str, lines: List[str]) -> List[Dict[str, Any]]:
    return [{"recipient_id": sender, "text": line} for line in lines]
