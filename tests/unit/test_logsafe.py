"""No secret in a log line: keqing.logsafe redacts every record, the libraries' debug output included."""
from __future__ import annotations

import io
import logging
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
try:
    from tests import fakes
except ImportError:  # tests/ is not a package
    import fakes

from keqing import logsafe

SECRETS = [fakes.WECOM_SECRET, fakes.SLACK_TOKEN, "db-pass-99", "api-token-7c1e9d"]


@pytest.fixture
def captured():
    logsafe.install(SECRETS)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s %(request)s", defaults={"request": ""}))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)
    logsafe.install([])


def test_urllib3_debug_log_of_the_gettoken_url_is_redacted(captured):
    import requests

    api = fakes.FakeWeComAPI().start()
    try:
        response = requests.get(f"{api.base_url}/cgi-bin/gettoken",
                                params={"corpid": fakes.WECOM_CORP_ID, "corpsecret": fakes.WECOM_SECRET}, timeout=5)
        assert response.json()["access_token"] == fakes.WECOM_ACCESS_TOKEN
        requests.post(f"{api.base_url}/cgi-bin/message/send", params={"access_token": fakes.WECOM_ACCESS_TOKEN},
                      json={"touser": "u"}, timeout=5)
    finally:
        api.stop()
    text = captured.getvalue()
    assert "GET /cgi-bin/gettoken?corpid=wwkeqing0test0corp&corpsecret=***" in text  # urllib3 did log it
    assert "access_token=***" in text
    assert fakes.WECOM_SECRET not in text and fakes.WECOM_ACCESS_TOKEN not in text


def test_messages_arguments_extras_and_tracebacks_are_redacted(captured):
    log = logging.getLogger("keqing.test")
    log.info("token %s and %s", fakes.SLACK_TOKEN, "postgresql://keqing:db-pass-99@db/keqing")
    log.info("", extra={"request": "GET /status?token=api-token-7c1e9d"})  # how Sanic logs access
    log.warning("header Authorization: Bearer abc.def-ghi, slack xoxb-123-456")
    try:
        raise ConnectionError(f"Max retries exceeded with url: /cgi-bin/gettoken?corpsecret={fakes.WECOM_SECRET}")
    except ConnectionError:
        log.exception("sending failed")
    text = captured.getvalue()
    for secret in [*SECRETS, "abc.def-ghi", "xoxb-123-456"]:
        assert secret not in text, secret
    assert "keqing:***@db" in text and "Bearer ***" in text and "Traceback" in text


def test_short_values_are_not_treated_as_secrets():
    assert logsafe.redact("agent 1000002 abc", ["abc"]) == "agent 1000002 abc"
    assert logsafe.redact("msg_signature=ab12&timestamp=1", []) == "msg_signature=ab12&timestamp=1"
