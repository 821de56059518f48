"""Retry policies for sending replies (tenacity): exponential back-off with jitter, a bounded number of tries.

After the last try the error propagates and the inbox worker tries the part again later, so a reply
is never dropped because the chat platform was briefly unreachable or rate-limited us.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Dict, TypeVar

from tenacity import (
    AsyncRetrying,
    Retrying,
    before_sleep_log,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")
ATTEMPTS = 5


def _policy(should_retry: Callable[[BaseException], bool], attempts: int, initial: float,
            maximum: float) -> Dict[str, Any]:
    """Exponential back-off with jitter, logged, the last error re-raised."""
    return dict(retry=retry_if_exception(should_retry), stop=stop_after_attempt(attempts),
                wait=wait_exponential(multiplier=initial, max=maximum) + wait_random(0, initial / 2),
                before_sleep=before_sleep_log(logger, logging.INFO), reraise=True)


def retrying(should_retry: Callable[[BaseException], bool], attempts: int = ATTEMPTS,
             initial: float = 0.5, maximum: float = 8.0) -> Retrying:
    return Retrying(**_policy(should_retry, attempts, initial, maximum))


def async_retrying(should_retry: Callable[[BaseException], bool], attempts: int = ATTEMPTS,
                   initial: float = 0.5, maximum: float = 8.0) -> AsyncRetrying:
    return AsyncRetrying(**_policy(should_retry, attempts, initial, maximum))


def call_retrying(policy: Retrying, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return policy(fn, *args, **kwargs)
