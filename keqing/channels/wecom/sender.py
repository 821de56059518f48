"""The (blocking) WeCom message API client with its cached access token."""
from __future__ import annotations

import logging
import threading
from typing import (
    Any,
    Dict,
    Optional,
    Sequence,
)

from keqing.channels.wecom.render import Outgoing
from keqing.channels.wecom.settings import ERROR_HINTS, WeComSettings

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- message API


# errcodes worth another try: system busy, API rate limit
RETRYABLE_ERRCODES = frozenset({-1, 45009})


class WeComSendError(RuntimeError):
    def __init__(self, message: str, errcode: Any = None) -> None:
        super().__init__(message)
        self.errcode = errcode

    @property
    def retryable(self) -> bool:
        # errcode None: an HTTP error status from the API (5xx and the like)
        return self.errcode is None or _int(self.errcode) in RETRYABLE_ERRCODES


def _int(value: Any) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def is_retryable(error: BaseException) -> bool:
    """Network errors, timeouts, HTTP errors and WeCom's "busy"/rate-limit errcodes."""
    import requests

    if isinstance(error, WeComSendError):
        return error.retryable
    return isinstance(error, (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError))


def describe_error(errcode: Any, errmsg: Any) -> str:
    try:
        hint = ERROR_HINTS.get(int(errcode))
    except (TypeError, ValueError):
        hint = None
    return f"errcode {errcode}: {errmsg}" + (f" — {hint}" if hint else "")


def make_client(settings: WeComSettings, timeout: float = 10.0) -> Any:
    """wechatpy's enterprise client on `settings.api_base`; the access token is cached in its session."""
    import requests
    from wechatpy.enterprise import WeChatClient

    class _TimeoutSession(requests.Session):
        def request(self, method: str, url: str, **kwargs: Any) -> Any:  # type: ignore[override]
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = timeout
            return super().request(method, url, **kwargs)

    class KeqingWeComClient(WeChatClient):
        def __init__(self) -> None:
            super().__init__(settings.corp_id, settings.secret, timeout=timeout)
            self.API_BASE_URL = settings.api_base.rstrip("/") + "/cgi-bin/"
            self._http = _TimeoutSession()
            self._token_lock = threading.Lock()

        def fetch_access_token(self) -> Any:
            # the official client hard-codes https://qyapi.weixin.qq.com here
            with self._token_lock:
                return self._fetch_access_token(
                    url=self.API_BASE_URL + "gettoken",
                    params={"corpid": self.corp_id, "corpsecret": self.secret},
                )

    return KeqingWeComClient()


# WeCom caps duplicate_check_interval at 4 hours
MAX_DUPLICATE_CHECK_SECONDS = 4 * 3600


def duplicate_check_fields(seconds: int) -> Dict[str, int]:
    """message/send's server-side duplicate check: WeCom does not deliver a message whose app, recipient,
    type and content equal one it delivered within `seconds` (developer.work.weixin.qq.com path 90236:
    `enable_duplicate_check` 0/1, default 0; `duplicate_check_interval` default 1800, at most 4 hours).
    Empty for 0 (off)."""
    if seconds <= 0:
        return {}
    return {"enable_duplicate_check": 1, "duplicate_check_interval": min(int(seconds), MAX_DUPLICATE_CHECK_SECONDS)}


class WeComSender:
    """Sends messages through the WeCom message API. Blocking: call it off the event loop.

    `duplicate_check_seconds` (default: the KEQING_WECOM_DUPLICATE_CHECK_SECONDS setting) is the window of
    WeCom's duplicate check on sends made with `duplicate_check=True` (the inbox's reply parts, except one
    whose text already reached the rep within the window: keqing.channels.inbox.worker `duplicate_check`).
    """

    def __init__(self, settings: WeComSettings, client: Any = None,
                 duplicate_check_seconds: Optional[int] = None) -> None:
        self.settings = settings
        self.client = client or make_client(settings)
        if duplicate_check_seconds is None:
            from keqing.settings import settings as keqing_settings

            duplicate_check_seconds = keqing_settings().wecom_duplicate_check_seconds
        self.duplicate_check_seconds = max(0, min(int(duplicate_check_seconds), MAX_DUPLICATE_CHECK_SECONDS))

    def send(self, user: str, message: Outgoing, duplicate_check: bool = False) -> Dict[str, Any]:
        """One message; with `duplicate_check`, WeCom drops it if it delivered the same one within the window.

        What WeCom answers for a message its duplicate check drops is not documented (neither the API page
        nor the client libraries that added the fields say); any non-retryable errcode is logged and the
        part skipped by the inbox, so the rep gets it at most once either way.
        """
        from wechatpy.exceptions import WeChatClientException

        data = message.payload(user, self.settings.agent_id)
        try:
            if message.msgtype == "image":
                body = {"media_id": self.upload_picture(message.content)}
            else:
                body = data[message.msgtype]
            msg: Dict[str, Any] = {"msgtype": message.msgtype, message.msgtype: body}
            if duplicate_check:
                msg.update(duplicate_check_fields(self.duplicate_check_seconds))
            result = self.client.message.send(self.settings.agent_id, user, msg=msg)
        except WeChatClientException as e:
            raise WeComSendError(describe_error(e.errcode, e.errmsg), e.errcode) from e
        if isinstance(result, dict) and result.get("invaliduser"):
            logger.warning("WeCom: invalid recipient %s (%s)", result.get("invaliduser"), ERROR_HINTS[81013])
        return result if isinstance(result, dict) else {}

    def upload_picture(self, image_url: str) -> str:
        """Upload one of our pictures as temporary media; its media_id (valid 3 days)."""
        import io

        from keqing.charts.store import Pictures, key_of
        from keqing.settings import settings

        key = key_of(image_url)
        content = Pictures(settings().resolved_db_url()).get(key) if key else None
        if content is None:
            raise WeComSendError(f"picture {image_url[-70:]} not found", errcode=0)
        result = self.client.media.upload("image", ("style-map.png", io.BytesIO(content), "image/png"))
        return str(result["media_id"])

    def send_reliably(self, user: str, message: Outgoing, attempts: int = 5,
                      duplicate_check: bool = False) -> Dict[str, Any]:
        """`send`, retried with back-off on network errors and WeCom busy/rate limits (errcode -1, 45009)."""
        from keqing.channels.inbox.sending import retrying

        return retrying(is_retryable, attempts)(self.send, user, message, duplicate_check)

    def send_all(self, user: str, messages: Sequence[Outgoing]) -> int:
        """Send in order; stops at the first failure (logged). Returns how many were sent."""
        sent = 0
        for message in messages:
            try:
                self.send(user, message)
            except WeComSendError as e:
                logger.error("WeCom: sending to %s failed: %s", user, e)
                return sent
            except Exception as e:  # network and the like
                logger.error("WeCom: sending to %s failed: %s: %s", user, type(e).__name__, e)
                return sent
            sent += 1
        return sent
