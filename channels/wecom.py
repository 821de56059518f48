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
import dataclasses
import logging
import os
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from keqing.channels.state import shared_redis
from keqing.channels.wecom import (
    CallbackRejected,
    Inbound,
    Outgoing,
    WeComCallback,
    WeComDialogue,
    WeComSender,
    WeComSettings,
)
from keqing.channels.wecom.inbox import Inbox, make_inbox
from keqing.channels.wecom.settings import DEDUP_TTL

SWEEP_SECONDS = 2.0  # how often a replica looks for queues whose worker died
RETRY_DELAYS = (0.5, 1, 2, 4, 8, 10, 10, 10, 10, 10, 10, 10)  # a failing turn (database/Redis down) waits, then is retried

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
        self.inbox: Inbox = make_inbox(shared_redis())
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wecom-send")
        self._tasks: Set[asyncio.Task] = set()
        self._agent: Any = None
        self._on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None
        self._sweeper: Optional[asyncio.Task] = None
        logger.info(
            "WeCom channel on: corp %s, agent %s, API %s, %s messages",
            settings.corp_id, settings.agent_id, settings.api_base, settings.msgtype,
        )

    # ------------------------------------------------------------------ HTTP

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        wecom_webhook = Blueprint("wecom_webhook", __name__)
        self._on_new_message = on_new_message

        @wecom_webhook.listener("after_server_start")
        async def start_sweeper(app: Any, _: Any) -> None:
            self._agent = getattr(app.ctx, "agent", None)
            self._sweeper = asyncio.ensure_future(self._sweep())

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
                inbound = self.callback.parse(args, request.body or b"")
            except CallbackRejected as e:
                logger.warning("WeCom: rejected %s from %s: %d %s", request.method, _peer(request), e.status, e.reason)
                return response.text(e.reason, status=e.status)
            except Exception:  # never a 500 for a callback
                logger.exception("WeCom: unexpected error handling a %s callback from %s", request.method, _peer(request))
                return response.text("bad request", status=400)
            if inbound.kind == "ignored":
                logger.debug("WeCom: %s event ignored", inbound.event)
                return response.text("")
            self._agent = self._agent or getattr(request.app.ctx, "agent", None)
            try:  # the 200 means "queued": only then may WeCom forget the message
                accepted = self.inbox.accept(dataclasses.asdict(inbound) | {"id": inbound.dedup_key}, DEDUP_TTL)
            except Exception as e:  # inbox (Redis) unreachable: not accepted, WeCom delivers it again
                logger.error("WeCom: inbox unavailable, asking WeCom to retry: %s: %s", type(e).__name__, e)
                return response.text("busy", status=503)
            if not accepted:
                logger.info("WeCom: duplicate delivery ignored")
            else:
                self._spawn(self._drain(inbound.user))
            return response.text("")

        return wecom_webhook

    # ------------------------------------------------------------------ turn

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _sweep(self) -> None:
        """Take over the queues of reps whose worker died (another replica killed mid-turn)."""
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                for user in self.inbox.orphans():
                    logger.warning("WeCom: taking over the queue of %s (its worker is gone)", user)
                    self._spawn(self._drain(user))
            except Exception as e:
                logger.warning("WeCom: inbox sweep failed: %s: %s", type(e).__name__, e)

    async def _drain(self, user: str) -> None:
        """Answer `user`'s queued messages in order, unless another worker holds the rep. Never raises."""
        try:
            if not self.inbox.claim(user, self.owner):
                return
        except Exception as e:
            logger.warning("WeCom: cannot claim the queue of %s: %s: %s", user, type(e).__name__, e)
            return
        stop_keeping = threading.Event()
        threading.Thread(target=self._keep_lease, args=(user, stop_keeping), daemon=True,
                         name=f"wecom-lease-{user}").start()
        try:
            while True:
                item = self.inbox.head(user)
                if item is None:
                    if self.inbox.release(user, self.owner):
                        return
                    continue
                await self._answer_with_retries(item)
                if not self.inbox.done(user, self.owner, item["id"]):
                    logger.warning("WeCom: lost the lease on %s's queue; leaving it to its new worker", user)
                    return
        except Exception as e:  # Redis gone: the lease expires and a sweeper resumes the queue
            logger.error("WeCom: worker for %s stopped: %s: %s", user, type(e).__name__, e)
        finally:
            stop_keeping.set()

    def _keep_lease(self, user: str, stop: threading.Event) -> None:
        """Renew the lease from a thread: a turn that blocks the event loop (model inference under load)
        must not let the lease lapse while this process is alive, or another replica would answer twice."""
        while not stop.wait(self.inbox.lease_seconds / 3):
            try:
                self.inbox.claim(user, self.owner)
            except Exception as e:
                logger.warning("WeCom: renewing the lease on %s failed: %s", user, e)

    async def _answer_with_retries(self, item: Dict[str, Any]) -> None:
        inbound = Inbound(**{f.name: item.get(f.name) for f in dataclasses.fields(Inbound)})
        for attempt, delay in enumerate((*RETRY_DELAYS, None)):
            try:
                await self.answer(inbound, resumed=self.inbox.start(inbound.user, item["id"]))
                return
            except Exception as e:
                if delay is None:
                    logger.exception("WeCom: giving up on a message from %s after %d attempts", inbound.user, attempt + 1)
                    return
                logger.warning("WeCom: a turn of %s failed (%s: %s); retrying in %ss", inbound.user,
                               type(e).__name__, e, delay)
                await asyncio.sleep(delay)

    async def handle(self, inbound: Inbound,
                     on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None) -> None:
        """Process one message and send the replies (no inbox). Never raises."""
        if on_new_message is not None:
            self._on_new_message = on_new_message
        try:
            await self.answer(inbound)
        except Exception:
            logger.exception("WeCom: handling a %s message from %s failed", inbound.msg_type, inbound.user)

    async def answer(self, inbound: Inbound, resumed: bool = False) -> None:
        """Process one accepted message and send the replies; raises when the turn could not run.

        `resumed`: a previous worker started this message and died; if its turn reached the tracker, the
        replies recorded there are sent instead of running the turn a second time.
        """
        if inbound.kind == "text":
            outgoing = await self._recorded_replies(inbound) if resumed else None
            if outgoing is None:
                assert self._on_new_message is not None
                outgoing = await self._run_turn(inbound, self._on_new_message)
        else:
            outgoing = self.dialogue.reply_to(inbound)
        await self.deliver(inbound.user, outgoing)

    async def _recorded_replies(self, inbound: Inbound) -> Optional[List[Outgoing]]:
        """The replies the tracker holds for `inbound` (its turn ran before a crash), or None."""
        store = getattr(self._agent, "tracker_store", None)
        if store is None or not inbound.msg_id:
            return None
        tracker = await store.retrieve(inbound.user)
        events = [e.as_dict() for e in tracker.events] if tracker is not None else []
        replies = recorded_bot_messages(events, inbound.msg_id)
        if replies is None:
            return None
        logger.info("WeCom: the turn of message %s already ran; sending its recorded replies", inbound.msg_id)
        return self.dialogue.outgoing(inbound.user, replies)

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
