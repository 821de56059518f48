"""WeCom's side of the load test: callbacks signed and encrypted as WeCom does (Tencent's published
algorithm, AES-256-CBC), and a fake WeCom server API that records every reply the cluster sends and applies
message/send's documented duplicate check (a resent reply part the check drops is counted, not delivered)."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from typing import Any, Callable, Dict, List, Tuple

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from keqing.channels.texts import BUSY_TEXT, SLOW_DOWN_TEXT
from tests.fakes import WeComDuplicateCheck  # the same check as the test suite's fake (ROOT is on sys.path)

CORP_ID = "wwkeqing0load0corp"
AGENT_ID = "1000002"
SECRET = "load-wecom-secret"
TOKEN = "keqingLoadToken"
AES_KEY = base64.b64encode(bytes(range(11, 43))).decode().rstrip("=")
ACCESS_TOKEN = "LOAD-ACCESS-TOKEN"


def channel_env(api_base: str) -> Dict[str, str]:
    return {"WECOM_CORP_ID": CORP_ID, "WECOM_AGENT_ID": AGENT_ID, "WECOM_SECRET": SECRET, "WECOM_TOKEN": TOKEN,
            "WECOM_AES_KEY": AES_KEY, "WECOM_API_BASE": api_base,
            "KEQING_DIGEST_ENABLED": "false"}  # no weekly digest: every message counted must be an answer


def _encrypt(message: str) -> str:
    key = base64.b64decode(AES_KEY + "=")
    msg = message.encode("utf-8")
    plain = os.urandom(16) + struct.pack(">I", len(msg)) + msg + CORP_ID.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode("ascii")


def callback(user: str, text: str, msg_id: str) -> Tuple[str, bytes]:
    """(query string, body) of WeCom's POST for one text message."""
    xml = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
           f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
           f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId><AgentID>{AGENT_ID}</AgentID></xml>")
    encrypted = _encrypt(xml)
    timestamp, nonce = str(int(time.time())), str(int.from_bytes(os.urandom(4), "big"))
    signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce, encrypted])).encode()).hexdigest()
    query = urllib.parse.urlencode({"msg_signature": signature, "timestamp": timestamp, "nonce": nonce})
    body = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            f"<AgentID><![CDATA[{AGENT_ID}]]></AgentID></xml>").encode()
    return query, body


def _notice(message: Dict[str, Any]) -> bool:
    content = json.dumps(message, ensure_ascii=False)
    return BUSY_TEXT in content or SLOW_DOWN_TEXT in content


class FakeWeComAPI:
    """A WSGI app: /cgi-bin/gettoken and /cgi-bin/message/send, with WeCom's duplicate check
    (tests/fakes.py `WeComDuplicateCheck`). `sent[user]` lists (time, message) of what reached the rep;
    `suppressed[user]` what the duplicate check dropped; `suppressed_in[phase]` counts those per phase;
    `answers` counts the answers (not notices) sent with / without the flag and the delivered repeats
    (an answer identical to one the same rep got within the interval, sent without the flag)."""

    def __init__(self) -> None:
        self.sent: Dict[str, List[Tuple[float, Dict[str, Any]]]] = defaultdict(list)
        self.suppressed: Dict[str, List[Tuple[float, Dict[str, Any]]]] = defaultdict(list)
        self.suppressed_in: Counter = Counter()
        self.answers: Counter = Counter()  # "flagged", "unflagged", "repeats_delivered"
        self.phase = ""
        self.check = WeComDuplicateCheck()
        self._cond = threading.Condition()

    def count(self, user: str) -> int:
        """Answers that reached `user`: the "系统有点忙" / slow-down notices the inbox sends are not answers."""
        with self._cond:
            return sum(1 for _, m in self.sent.get(user, ()) if not _notice(m))

    def suppressed_count(self, user: str) -> int:
        """Answers to `user` that WeCom's duplicate check dropped."""
        with self._cond:
            return sum(1 for _, m in self.suppressed.get(user, ()) if not _notice(m))

    def replies(self, user: str) -> int:
        """Answers the cluster sent to `user` and WeCom accepted (delivered or dropped as a duplicate)."""
        return self.count(user) + self.suppressed_count(user)

    def wait_for(self, user: str, count: int, timeout: float, sleep: Callable[[float], None] = time.sleep) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.replies(user) >= count:
                return True
            sleep(0.02)
        return False

    def __call__(self, environ: Dict[str, Any], start_response: Callable) -> List[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/cgi-bin/gettoken":
            body: Dict[str, Any] = {"errcode": 0, "errmsg": "ok", "access_token": ACCESS_TOKEN, "expires_in": 7200}
        elif path == "/cgi-bin/message/send":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            data = json.loads(environ["wsgi.input"].read(length) or b"{}")
            with self._cond:
                verdict = self.check.classify(data)
                if not _notice(data):
                    self.answers["flagged" if self.check.flagged(data) else "unflagged"] += 1
                    self.answers["repeats_delivered"] += verdict == "repeat"
                if verdict != "suppressed":
                    self.sent[str(data.get("touser"))].append((time.monotonic(), data))
                else:
                    self.suppressed[str(data.get("touser"))].append((time.monotonic(), data))
                    self.suppressed_in[self.phase] += 1
            # WeCom's answer to a dropped duplicate is not documented: errcode 0, as tests/fakes.py assumes
            body = {"errcode": 0, "errmsg": "ok", "invaliduser": ""}
        else:
            body = {"errcode": 404, "errmsg": "not found"}
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]
