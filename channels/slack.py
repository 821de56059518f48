"""Slack connector: Rasa's SlackInput/SlackBot with a configurable API base and retry de-duplication.

Mounted at /webhooks/slack/webhook (the channel keeps Rasa's name "slack"). credentials.yml:

    channels.slack.SlackInput:
      slack_token: ${SLACK_TOKEN}
      slack_signing_secret: ${SLACK_SIGNING_SECRET}
      use_threads: true

Differences from `rasa.core.channels.slack.SlackInput`:
* `slack_token` / `slack_signing_secret` fall back to SLACK_TOKEN / SLACK_SIGNING_SECRET;
* the Web API base is `api_base` or SLACK_API_BASE (default https://slack.com/api/), so tests can
  point the bot at a local fake Slack API;
* a delivery Slack retries (X-Slack-Retry-Num) is answered only if its event_id was never seen;
  Rasa's own check only drops retries whose reason is http_timeout;
* threads (`use_threads`, default on): a reply goes to the thread the message was in; a mention in a
  channel is answered in a thread under it; a top-level direct message is answered top-level.
"""
from __future__ import annotations

import asyncio
import logging
import os
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot as RasaSlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from sanic import response
from sanic.request import Request
from slack_sdk.web.async_client import AsyncWebClient

from keqing.channels.state import shared_cache

logger = logging.getLogger(__name__)

DEFAULT_SLACK_API_BASE = "https://slack.com/api/"
EVENT_TTL = 3600  # Slack retries within minutes (immediately, after 1 min and after 5 min)


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
        self._seen_events = shared_cache("slack-events", EVENT_TTL, 20_000)

    def get_metadata(self, request: Request) -> Dict[Text, Any]:
        metadata = super().get_metadata(request)
        if request.headers.get("content-type") == "application/json":
            event = (request.json or {}).get("event") or {}
            if event.get("channel_type") == "im" and not event.get("thread_ts"):
                metadata["thread_id"] = None  # top-level direct message: answer top-level
        return metadata

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: Text,
        sender_id: Optional[Text],
        metadata: Optional[Dict],
    ) -> Any:
        event_id = _event_id(request)
        retry_count = request.headers.get(self.retry_num_header)
        retry_reason = request.headers.get(self.retry_reason_header)
        if event_id is None:
            return await super().process_message(request, on_new_message, text, sender_id, metadata)
        if not self._seen_events.add(event_id):
            logger.info("Slack: %s %s already handled (retry %s, %s)", "retry of" if retry_count else "repeated",
                        event_id, retry_count or "-", retry_reason or "-")
            return response.text("", status=HTTPStatus.OK, headers={"X-Slack-No-Retry": "1"})
        if retry_count:
            logger.info("Slack: retry #%s (%s) of unseen event %s, handling it", retry_count, retry_reason, event_id)

        output_channel = (metadata or {}).get("out_channel")
        thread_id = (metadata or {}).get("thread_id") if self.use_threads else None
        try:
            user_msg = UserMessage(
                text,
                self.get_output_channel(output_channel, thread_id),
                sender_id,
                input_channel=self.name(),
                metadata=metadata,
            )
            task: asyncio.Task = asyncio.create_task(on_new_message(user_msg))
            self._background_tasks.add(task)
            task.add_done_callback(self._background_tasks.discard)
        except Exception:
            logger.exception("Slack: exception when trying to handle message")
        return response.text("")

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> OutputChannel:
        channel = channel or self.slack_channel
        return SlackBot(self.slack_token, channel, thread_id, self.proxy, self.api_base)


def _event_id(request: Request) -> Optional[str]:
    if request.headers.get("content-type") != "application/json":
        return None
    try:
        payload = request.json or {}
    except Exception:
        return None
    event_id = payload.get("event_id")
    if event_id:
        return str(event_id)
    event = payload.get("event") or {}
    if event.get("channel") and event.get("ts"):
        return f"{event['channel']}:{event['ts']}"
    return None


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
