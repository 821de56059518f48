"""WeChat Work (企业微信) connector for Rasa: `channels.wecom.WeComInput`.

Mounted at /webhooks/wecom/webhook. A thin adapter: the protocol, de-duplication, button numbering
and rendering live in `keqing.channels.wecom`. The callback is answered at once (empty 200); the turn runs in
the background and the replies go out through the WeCom message API in a worker thread.

credentials.yml:

    channels.wecom.WeComInput:
      corp_id: ${WECOM_CORP_ID}
      agent_id: ${WECOM_AGENT_ID}
      secret: ${WECOM_SECRET}
      token: ${WECOM_TOKEN}
      aes_key: ${WECOM_AES_KEY}
      # msgtype: text     # plain text instead of markdown (e.g. reps on the WeChat plugin)

Any entry left out is read from the environment variable of the same meaning; WECOM_API_BASE
(default https://qyapi.weixin.qq.com) is always read from the environment unless `api_base` is given.
"""
from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from keqing.channels.wecom import (
    CallbackRejected,
    Inbound,
    Outgoing,
    WeComCallback,
    WeComDialogue,
    WeComSender,
    WeComSettings,
)

logger = logging.getLogger(__name__)


class WeComCollectingOutput(CollectingOutputChannel):
    """Collects a turn's replies; named "wecom" so channel-specific responses are chosen."""

    @classmethod
    def name(cls) -> Text:
        return "wecom"

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        # one bot response stays one WeCom message (the base class splits at blank lines)
        await self._persist_message(self._message(recipient_id, text=text.strip()))


class WeComOutput(OutputChannel):
    """Sends each message at once (used when Rasa pushes messages outside a turn)."""

    def __init__(self, channel: WeComInput) -> None:
        self.channel = channel

    @classmethod
    def name(cls) -> Text:
        return "wecom"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        outgoing = self.channel.dialogue.outgoing(recipient_id, [message])
        await self.channel.deliver(recipient_id, outgoing)


class WeComInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "wecom"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls(WeComSettings.from_sources(credentials, os.environ))

    def __init__(self, settings: WeComSettings, sender: Optional[WeComSender] = None) -> None:
        self.settings = settings
        self.callback = WeComCallback(settings)
        self.dialogue = WeComDialogue(settings.msgtype, settings.welcome_interval)
        self.sender = sender or WeComSender(settings)
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wecom-send")
        self._tasks: Set[asyncio.Task] = set()
        logger.info(
            "WeCom channel on: corp %s, agent %s, API %s, %s messages",
            settings.corp_id, settings.agent_id, settings.api_base, settings.msgtype,
        )

    # ------------------------------------------------------------------ HTTP

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        wecom_webhook = Blueprint("wecom_webhook", __name__)

        @wecom_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @wecom_webhook.route("/webhook", methods=["GET", "POST"])
        async def webhook(request: Request) -> HTTPResponse:
            try:
                args = _first_values(request.args)
                if request.method == "GET":
                    plaintext = self.callback.verify_url(args)
                    logger.info("WeCom: callback URL verified")
                    return response.text(plaintext, content_type="text/plain; charset=utf-8")
                inbound = self.callback.receive(args, request.body or b"")
            except CallbackRejected as e:
                logger.warning("WeCom: rejected %s from %s: %d %s", request.method, _peer(request), e.status, e.reason)
                return response.text(e.reason, status=e.status)
            except Exception:  # never a 500 for a callback
                logger.exception("WeCom: unexpected error handling a %s callback from %s", request.method, _peer(request))
                return response.text("bad request", status=400)

            if inbound is None:
                logger.info("WeCom: duplicate delivery ignored")
            elif inbound.kind != "ignored":
                self._spawn(self.handle(inbound, on_new_message))
            else:
                logger.debug("WeCom: %s event ignored", inbound.event)
            return response.text("")

        return wecom_webhook

    # ------------------------------------------------------------------ turn

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def handle(self, inbound: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Process one accepted callback and send the replies. Never raises."""
        try:
            if inbound.kind == "text":
                outgoing = await self._run_turn(inbound, on_new_message)
            else:
                outgoing = self.dialogue.reply_to(inbound)
            await self.deliver(inbound.user, outgoing)
        except Exception:
            logger.exception("WeCom: handling a %s message from %s failed", inbound.msg_type, inbound.user)

    async def _run_turn(self, inbound: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> List[Outgoing]:
        text, button = self.dialogue.incoming_text(inbound.user, inbound.text)
        collector = WeComCollectingOutput()
        metadata = {"wecom": {"msg_id": inbound.msg_id, "agent_id": inbound.agent_id,
                              "button": button.title if button else None}}
        await on_new_message(
            UserMessage(text, collector, inbound.user, input_channel=self.name(),
                        message_id=inbound.msg_id, metadata=metadata)
        )
        return self.dialogue.outgoing(inbound.user, collector.messages)

    async def deliver(self, user: str, outgoing: List[Outgoing]) -> None:
        if not outgoing:
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self.sender.send_all, user, outgoing)

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WeComOutput(self)


def _first_values(args: Mapping[str, Any]) -> Dict[str, Optional[str]]:
    values: Dict[str, Optional[str]] = {}
    for key in ("msg_signature", "timestamp", "nonce", "echostr"):
        value = args.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        values[key] = value
    return values


def _peer(request: Request) -> str:
    try:
        return request.remote_addr or request.ip or "?"
    except Exception:
        return "?"
