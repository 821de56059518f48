"""No secret reaches a log line: every log record is redacted when it is created.

`install()` wraps `logging.Logger.makeRecord`, so it covers every logger and handler of the process, the
libraries' too (urllib3 prints the WeCom gettoken URL, corpsecret included, at debug level; Sanic's access
log prints the request URL, `?token=` included, as an `extra` field). It redacts

* the configured secret values (`Settings.secret_values()`: API and REST tokens, WeCom secret/token/AES key,
  Slack token and signing secret, database passwords), wherever they appear;
* secret-looking parameters whatever their value: `corpsecret=`, `access_token=`, `token=`, `secret=`,
  `password=` in URLs, `"access_token": "..."` in JSON, `Bearer ...`, Slack `xox?-` tokens, passwords in URLs.

The message is formatted once (msg % args) and redacted, and so are string `extra` fields and an
exception's traceback. Installing twice is harmless (the secrets are refreshed).
"""
from __future__ import annotations

import logging
import re
import threading
from typing import Any, Callable, Iterable, List, Optional

MASK = "***"
MIN_SECRET_LEN = 4  # shorter values would redact ordinary words

_PATTERNS = [
    (re.compile(r"(?i)\b([a-z0-9_]*(?:secret|token|aes_?key|encodingaeskey|password|passwd|pwd))=([^&\s'\"<>]+)"),
     r"\1=" + MASK),
    (re.compile(r"(?i)(\"(?:access_token|corpsecret|secret|token|password|signing_secret)\"\s*:\s*\")([^\"]+)\""),
     r"\1" + MASK + '"'),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), r"\1 " + MASK),
    (re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+"), "xox-" + MASK),
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/\s@]+:)([^@\s/]+)@"), r"\1" + MASK + "@"),
]

_lock = threading.Lock()
_secrets: List[str] = []
_installed: Optional[Callable[..., logging.LogRecord]] = None
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def redact(text: str, secrets: Optional[Iterable[str]] = None) -> str:
    values = _secrets if secrets is None else sorted({s for s in secrets if len(s) >= MIN_SECRET_LEN}, key=len,
                                                     reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep what there is
        message = str(record.msg)
    record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    for key, value in list(record.__dict__.items()):
        if key not in _STANDARD and isinstance(value, str):
            record.__dict__[key] = redact(value)


def install(secrets: Optional[Iterable[str]] = None) -> None:
    """Redact every log record created from now on; `secrets` defaults to the configured ones."""
    global _installed, _secrets
    if secrets is None:
        from keqing.settings import settings

        secrets = settings().secret_values()
    with _lock:
        _secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET_LEN}, key=len, reverse=True)
        if _installed is not None:
            return
        original = logging.Logger.makeRecord

        def make_record(self: logging.Logger, *args: Any, **kwargs: Any) -> logging.LogRecord:
            record = original(self, *args, **kwargs)  # extras are set in here, after the record factory
            _redact_record(record)
            return record

        logging.Logger.makeRecord = make_record  # type: ignore[method-assign]
        _installed = make_record
