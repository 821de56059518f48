"""WeChat Work (企业微信) connector for Rasa: `channels.wecom.WeComInput`.

Mounted at /webhooks/wecom/webhook. A thin adapter: the protocol, de-duplication, button numbering,
rendering, the text cap, the flood limit and the durable inbox live in `keqing.channels`.

A verified callback is written to the inbox (or, with the database down, to the local spool) before the
empty 200; the inbox worker then runs the turn, stores the reply parts, sends each once through the
WeCom message API (retried on network errors and errcodes -1/45009) and marks the message done. On
start-up the worker finishes whatever a crash left. Reply parts go out with WeCom's server-side duplicate
check (`enable_duplicate_check`, window KEQING_WECOM_DUPLICATE_CHECK_SECONDS, default 600 s), so that a part
resent after a send that was never confirmed (the replica died after WeCom's 200) is not delivered twice;
a part whose text already reached the rep within the window (the same answer to the same question) goes
out without it, or WeCom would drop it (the rule: keqing.channels.inbox.worker). Over-long messages and
floods get a short notice and are not stored.

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
import functools
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.support import (
    Readiness,
    digest_command_reply,
    recorded_replies,
    run_followups_with_server,
    run_worker_with_server,
)
from keqing.channels import texts
from keqing.channels.inbox import InboxItem, InboxWorker, Unavailable
from keqing.channels.inbox.worker import PermanentSendError
from keqing.channels.intake import SPOOLED, STORED, Intake
from keqing.channels.wecom import (
    CallbackRejected,
    Inbound,
    Outgoing,
    WeComCallback,
    WeComDialogue,
    WeComSender,
    WeComSendError,
    WeComSettings,
    inbound_from,
    inbound_payload,
    render_fixed,
)
from keqing.dialogue.replies.base import internal_error
from keqing.reminders.delivery import FollowupDelivery
from keqing.settings import settings

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

    def __init__(self, settings_: WeComSettings, sender: Optional[WeComSender] = None,
                 intake: Optional[Intake] = None) -> None:
        self.settings = settings_
        self.callback = WeComCallback(settings_)
        self.dialogue = WeComDialogue(settings_.msgtype, settings_.welcome_interval)
        self.sender = sender or WeComSender(settings_)
        self.intake = intake or Intake.from_settings(self.name(), settings())
        self.readiness = Readiness(self.intake.inbox)
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wecom-send")
        self._tasks: Set[asyncio.Task] = set()
        self.worker: Callable[[], Optional[InboxWorker]] = lambda: None
        self.followups: Callable[[], Optional[FollowupDelivery]] = lambda: None
        logger.info(
            "WeCom channel on: corp %s, agent %s, API %s, %s messages",
            settings_.corp_id, settings_.agent_id, settings_.api_base, settings_.msgtype,
        )

    # ------------------------------------------------------------------ HTTP

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        wecom_webhook = Blueprint("wecom_webhook", __name__)
        turns = _WeComTurns(self, on_new_message)
        self.worker = run_worker_with_server(
            wecom_webhook, self.readiness,
            lambda: InboxWorker(self.intake.inbox, turns, busy_after=settings().busy_after_seconds,
                                max_delay=settings().inbox_retry_max_seconds, spool=self.intake.spool,
                                lease_seconds=settings().inbox_lease_seconds,
                                sweep_every=settings().inbox_sweep_seconds))
        self.followups = run_followups_with_server(wecom_webhook, self.name(), self.push)

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
            elif inbound.kind == "ignored":
                logger.debug("WeCom: %s event ignored", inbound.event)
            else:
                await self.accept(inbound)
            return response.text("")

        return wecom_webhook

    async def accept(self, inbound: Inbound) -> None:
        """Screen, then store before the 200; never raises."""
        try:
            refusal = self.intake.screen(inbound.user, inbound.text) if inbound.kind == "text" else None
            if refusal is not None:
                if refusal.reply:
                    self._spawn(self.deliver(inbound.user, render_fixed(refusal.reply, self.settings.msgtype)))
                return
            outcome = await asyncio.to_thread(self.intake.store, inbound.user, inbound.dedup_key, inbound.text,
                                              inbound_payload(inbound))
            if outcome == STORED:
                worker = self.worker()
                if worker is not None:
                    worker.submit(inbound.user)
            elif outcome == SPOOLED:
                self._spawn(self.deliver(inbound.user, render_fixed(texts.BUSY_TEXT, self.settings.msgtype)))
        except Exception:
            logger.exception("WeCom: accepting a %s message from %s failed", inbound.msg_type, inbound.user)

    # ------------------------------------------------------------------ turn

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run_turn(self, inbound: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> List[Outgoing]:
        text, button = self.dialogue.incoming_text(inbound.user, inbound.text)
        collector = WeComCollectingOutput()
        metadata = {"wecom": {"msg_id": inbound.msg_id, "agent_id": inbound.agent_id,
                              "button": button.title if button else None}}
        await on_new_message(
            UserMessage(text, collector, inbound.user, input_channel=self.name(),
                        message_id=inbound.msg_id, metadata=metadata)
        )
        return self.dialogue.outgoing(inbound.user, collector.messages)

    async def send_one(self, user: str, message: Outgoing, duplicate_check: bool = False) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, functools.partial(
            self.sender.send_reliably, user, message, duplicate_check=duplicate_check))

    async def deliver(self, user: str, outgoing: List[Outgoing]) -> None:
        """Send outside the inbox (notices, pushes): in order, retried; failures are logged."""
        for message in outgoing:
            try:
                await self.send_one(user, message)
            except Exception as e:
                logger.error("WeCom: sending to %s failed: %s: %s", user, type(e).__name__, e)
                return

    async def push(self, user: str, texts_: List[str]) -> None:
        """A message the rep did not ask for (a due reminder, the weekly digest); raises when it did not go out."""
        for text in texts_:
            for message in render_fixed(text, self.settings.msgtype):
                await self.send_one(user, message)

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WeComOutput(self)


class _WeComTurns:
    """The inbox worker's view of the channel."""

    channel = "wecom"

    def __init__(self, input_channel: WeComInput, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        self.input, self.on_new_message = input_channel, on_new_message

    async def ready(self) -> bool:
        return await self.input.readiness()

    async def answer(self, item: InboxItem) -> List[Dict[str, Any]]:
        inbound = inbound_from(item.rep, item.message_key, item.text, item.payload)
        command = await digest_command_reply(self.channel, item.rep, item.text) if inbound.kind == "text" else None
        if command is not None:
            return [o.to_part() for text in command for o in render_fixed(text, self.input.settings.msgtype)]
        if inbound.kind == "text":
            outgoing = await self.input.run_turn(inbound, self.on_new_message)
            if not outgoing and not await self.ready():
                raise Unavailable("the turn produced no reply and a dependency is down")
        else:
            outgoing = self.input.dialogue.reply_to(inbound)
        return [o.to_part() for o in outgoing]

    @property
    def duplicate_check_seconds(self) -> int:
        """The window of WeCom's duplicate check on reply parts (0: off); the worker decides per part whether
        a send carries the check (keqing.channels.inbox.worker `duplicate_check`)."""
        return int(getattr(self.input.sender, "duplicate_check_seconds", 0) or 0)

    async def send(self, item: InboxItem, part: Dict[str, Any], duplicate_check: bool = False) -> None:
        # `duplicate_check` set by the worker: on a resend after an unconfirmed attempt (WeCom drops it if the
        # first attempt was delivered) and on first sends, except a part the rep already got within the window
        try:
            await self.input.send_one(item.rep, Outgoing.from_part(part), duplicate_check=duplicate_check)
        except WeComSendError as e:
            if not e.retryable:
                raise PermanentSendError(str(e)) from e
            raise

    async def notify_busy(self, item: InboxItem) -> None:
        await self.input.deliver(item.rep, render_fixed(texts.BUSY_TEXT, self.input.settings.msgtype))

    def failure_parts(self, item: InboxItem) -> List[Dict[str, Any]]:
        return [o.to_part() for r in internal_error() for o in render_fixed(r.text, self.input.settings.msgtype)]

    async def recorded(self, item: InboxItem) -> Optional[List[Dict[str, Any]]]:
        inbound = inbound_from(item.rep, item.message_key, item.text, item.payload)
        if inbound.kind != "text" or not inbound.msg_id:
            return None
        replies = await recorded_replies(self.input.readiness, inbound.user, inbound.msg_id)
        if not replies:
            return None
        return [o.to_part() for o in self.input.dialogue.outgoing(inbound.user, replies)]


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
