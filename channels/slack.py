"""Slack connector: Rasa's SlackInput/SlackBot with checked payloads, the durable inbox and retried replies.

Mounted at /webhooks/slack/webhook (the channel keeps Rasa's name "slack"). credentials.yml:

    channels.slack.SlackInput:
      slack_token: ${SLACK_TOKEN}
      slack_signing_secret: ${SLACK_SIGNING_SECRET}
      use_threads: true

Differences from `rasa.core.channels.slack.SlackInput`:
* `slack_token` / `slack_signing_secret` fall back to SLACK_TOKEN / SLACK_SIGNING_SECRET;
* the Web API base is `api_base` or SLACK_API_BASE (default https://slack.com/api/), so tests can
  point the bot at a local fake Slack API;
* a request without a valid signature gets 401; a malformed one 400/413/415 (never a 500), checked by
  `keqing.channels.slack`; the rep is identified by the signed event's user only;
* a message is written to the inbox (keyed by its event_id, so a Slack retry is answered once, even
  after a restart) before the 200; the inbox worker runs the turn, stores the reply parts and posts
  each once, retried on network errors and rate limits; over-long messages and floods get a short notice;
* threads (`use_threads`, default on): a reply goes to the thread the message was in; a mention in a
  channel is answered in a thread under it; a top-level direct message is answered top-level.
"""
from __future__ import annotations

import asyncio
import logging
import os
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot as RasaSlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from channels.support import (
    Readiness,
    digest_command_reply,
    recorded_replies,
    run_followups_with_server,
    run_worker_with_server,
)
from keqing.channels import texts
from keqing.channels.guard import BadInput
from keqing.channels.inbox import InboxItem, InboxWorker, Unavailable
from keqing.channels.inbox.sending import async_retrying
from keqing.channels.inbox.worker import PermanentSendError
from keqing.channels.intake import SPOOLED, STORED, Intake
from keqing.channels.slack import Challenge, Ignored, SlackMessage, is_retryable, parse_event_body, parse_interactive
from keqing.dialogue.replies.base import internal_error
from keqing.reminders.delivery import FollowupDelivery
from keqing.settings import settings

logger = logging.getLogger(__name__)

DEFAULT_SLACK_API_BASE = "https://slack.com/api/"


def slack_api_base(configured: Optional[str] = None) -> str:
    base = (configured or os.environ.get("SLACK_API_BASE") or DEFAULT_SLACK_API_BASE).strip()
    return base if base.endswith("/") else base + "/"


class SlackBot(RasaSlackBot):
    def __init__(
        self,
        token: Text,
        slack_channel: Optional[Text] = None,
        thread_id: Optional[Text] = None,
        proxy: Optional[Text] = None,
        api_base: Optional[Text] = None,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.api_base = slack_api_base(api_base)
        self.client = AsyncWebClient(token, base_url=self.api_base, proxy=proxy)


class SlackCollectingOutput(CollectingOutputChannel):
    """Collects a turn's replies; named "slack" so channel-specific responses are chosen."""

    @classmethod
    def name(cls) -> Text:
        return "slack"


class SlackInput(RasaSlackInput):
    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> SlackInput:
        credentials = dict(credentials or {})
        token = credentials.get("slack_token") or os.environ.get("SLACK_TOKEN")
        secret = credentials.get("slack_signing_secret") or os.environ.get("SLACK_SIGNING_SECRET", "")
        if not token:
            cls.raise_missing_credentials_exception()
        channel = cls(
            token,
            credentials.get("slack_channel"),
            credentials.get("proxy"),
            credentials.get("slack_retry_reason_header", "x-slack-retry-reason"),
            credentials.get("slack_retry_number_header", "x-slack-retry-num"),
            credentials.get("errors_ignore_retry", None),
            _as_bool(credentials.get("use_threads", True)),
            secret,
            credentials.get("conversation_granularity", "sender"),
        )
        channel.api_base = slack_api_base(credentials.get("api_base"))
        logger.info("Slack channel on: API %s, threads %s", channel.api_base, "on" if channel.use_threads else "off")
        return channel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_base = slack_api_base()
        self.intake = Intake.from_settings(self.name(), settings())
        self.readiness = Readiness(self.intake.inbox)
        self._tasks: Set[asyncio.Task] = set()
        self.worker: Callable[[], Optional[InboxWorker]] = lambda: None
        self.followups: Callable[[], Optional[FollowupDelivery]] = lambda: None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        slack_webhook = Blueprint("slack_webhook", __name__)
        turns = _SlackTurns(self, on_new_message)
        self.worker = run_worker_with_server(
            slack_webhook, self.readiness,
            lambda: InboxWorker(self.intake.inbox, turns, busy_after=settings().busy_after_seconds,
                                max_delay=settings().inbox_retry_max_seconds, spool=self.intake.spool,
                                lease_seconds=settings().inbox_lease_seconds,
                                sweep_every=settings().inbox_sweep_seconds))
        self.followups = run_followups_with_server(slack_webhook, self.name(), self.push)

        @slack_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @slack_webhook.route("/webhook", methods=["GET", "POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.is_request_from_slack_authentic(request):
                logger.warning("Slack: request without a valid signature refused")
                return response.text("invalid or missing X-Slack-Signature", status=HTTPStatus.UNAUTHORIZED)
            try:
                parsed = self._parse(request)
            except BadInput as e:
                logger.warning("Slack: refused a signed request: %d %s", e.status, e.reason)
                return response.text(e.reason, status=e.status)
            except Exception:  # never a 500
                logger.exception("Slack: unexpected error reading a request")
                return response.text("bad request", status=HTTPStatus.BAD_REQUEST)
            if isinstance(parsed, Challenge):
                return response.json(parsed.value)
            if isinstance(parsed, Ignored):
                logger.debug("Slack: ignored (%s)", parsed.reason)
                return response.text("")
            if not parsed.supported:
                logger.info("Slack: message on unsupported channel %s ignored", parsed.channel)
                return response.text("channel not supported.")
            await self.accept(parsed)
            return response.text("")

        return slack_webhook

    def _parse(self, request: Request) -> Any:
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if content_type == "application/json":
            return parse_event_body(request.body, self.slack_channel)
        if content_type == "application/x-www-form-urlencoded":
            form = request.form
            payload = form.get("payload") if form else None
            return parse_interactive(payload, self._get_interactive_response)
        raise BadInput(415, f"content type {content_type[:60]!r}")

    async def accept(self, message: SlackMessage) -> None:
        """Screen, then store before the 200; never raises."""
        text = self._sanitize_user_message(message.text, message.users)
        sender = self._get_conversation_id(message.user, message.channel, message.thread_id) or message.user
        thread_id = message.thread_id if self.use_threads else None
        try:
            refusal = self.intake.screen(sender, text)
            if refusal is not None:
                if refusal.reply:
                    self._spawn(self.post(message.channel, thread_id, {"text": refusal.reply}))
                return
            payload = {"metadata": message.metadata(), "out_channel": message.channel, "thread_id": thread_id}
            outcome = await asyncio.to_thread(self.intake.store, sender, message.event_id, text, payload)
            if outcome == STORED:
                worker = self.worker()
                if worker is not None:
                    worker.submit(sender)
            elif outcome == SPOOLED:
                self._spawn(self.post(message.channel, thread_id, {"text": texts.BUSY_TEXT}))
            else:
                logger.info("Slack: %s already received, not answered again", message.event_id)
        except Exception:
            logger.exception("Slack: accepting a message from %s failed", sender)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def post(self, channel: Optional[str], thread_id: Optional[str], part: Dict[str, Any],
                   raise_errors: bool = False) -> None:
        """One message, retried with back-off on network errors and rate limits."""
        bot = SlackBot(self.slack_token, channel, thread_id, self.proxy, self.api_base)
        try:
            async for attempt in async_retrying(is_retryable):
                with attempt:
                    await bot.send_response(channel or "", part)
        except Exception as e:
            if raise_errors:
                raise
            logger.error("Slack: posting to %s failed: %s: %s", channel, type(e).__name__, e)

    async def push(self, user: str, texts_: List[str]) -> None:
        """A direct message the rep did not ask for (a due reminder, the weekly digest); raises when not sent."""
        for text in texts_:
            await self.post(user, None, {"text": text}, raise_errors=True)

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> OutputChannel:
        channel = channel or self.slack_channel
        return SlackBot(self.slack_token, channel, thread_id, self.proxy, self.api_base)


class _SlackTurns:
    """The inbox worker's view of the channel."""

    channel = "slack"

    def __init__(self, input_channel: SlackInput, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        self.input, self.on_new_message = input_channel, on_new_message

    async def ready(self) -> bool:
        return await self.input.readiness()

    async def answer(self, item: InboxItem) -> List[Dict[str, Any]]:
        command = await digest_command_reply(self.channel, item.rep, item.text)
        if command is not None:
            return [{"text": text} for text in command]
        collector = SlackCollectingOutput()
        metadata = dict(item.payload.get("metadata") or {})
        await self.on_new_message(UserMessage(item.text, collector, item.rep, input_channel="slack",
                                              message_id=_message_id(item), metadata=metadata))
        parts = [{k: v for k, v in m.items() if k != "recipient_id" and v is not None} for m in collector.messages]
        if not parts and not await self.ready():
            raise Unavailable("the turn produced no reply and a dependency is down")
        return parts

    async def send(self, item: InboxItem, part: Dict[str, Any]) -> None:
        try:
            await self.input.post(item.payload.get("out_channel"), item.payload.get("thread_id"), part,
                                  raise_errors=True)
        except Exception as e:
            if not is_retryable(e):
                raise PermanentSendError(f"{type(e).__name__}: {e}") from e
            raise

    async def notify_busy(self, item: InboxItem) -> None:
        await self.input.post(item.payload.get("out_channel"), item.payload.get("thread_id"), {"text": texts.BUSY_TEXT})

    def failure_parts(self, item: InboxItem) -> List[Dict[str, Any]]:
        return [{"text": r.text} for r in internal_error()]

    async def recorded(self, item: InboxItem) -> Optional[List[Dict[str, Any]]]:
        return await recorded_replies(self.input.readiness, item.rep, _message_id(item))


def _message_id(item: InboxItem) -> str:
    return f"slack:{item.message_key}"


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
