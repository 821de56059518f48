"""Fake WeCom and Slack APIs on loopback, and a shared running Rasa server for the channel tests.

The server is `make server`'s own script (scripts/server.sh: action server + `rasa run` with the API
token, the REST token, WeCom and Slack), started once per test session with WECOM_API_BASE /
SLACK_API_BASE pointing at the fakes, its databases in a temporary directory and debug logging (so
that the secret-redaction test sees what urllib3 prints). Model: $KEQING_TEST_MODEL, else the newest
models/*.tar.gz; without one the server tests are skipped.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv" / "bin" / "rasa"
STARTUP_TIMEOUT = float(os.environ.get("KEQING_TEST_SERVER_TIMEOUT", "240"))

WECOM_CORP_ID = "wwkeqing0test0corp"
WECOM_AGENT_ID = "1000002"
WECOM_SECRET = "fake-wecom-secret"
WECOM_TOKEN = "keqingTestToken"
WECOM_AES_KEY = base64.b64encode(bytes(range(7, 39))).decode().rstrip("=")  # 43 characters
WECOM_ACCESS_TOKEN = "FAKE-ACCESS-TOKEN-1"

SLACK_TOKEN = "xoxb-fake-token"
SLACK_SIGNING_SECRET = "fake-slack-signing-secret"
API_TOKEN = "api-token-7c1e9d"
REST_TOKEN = "rest-token-52af0b"
SECRETS = {"WECOM_SECRET": WECOM_SECRET, "WECOM_TOKEN": WECOM_TOKEN, "WECOM_AES_KEY": WECOM_AES_KEY,
           "access token": WECOM_ACCESS_TOKEN, "SLACK_TOKEN": SLACK_TOKEN, "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
           "KEQING_API_TOKEN": API_TOKEN, "KEQING_REST_TOKEN": REST_TOKEN}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- fake HTTP APIs


class Recorder:
    """Thread-safe list of recorded calls with waiting."""

    def __init__(self) -> None:
        self.items: List[Dict[str, Any]] = []
        self._cond = threading.Condition()

    def add(self, item: Dict[str, Any]) -> None:
        with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    def matching(self, predicate: Callable[[Dict[str, Any]], bool]) -> List[Dict[str, Any]]:
        with self._cond:
            return [item for item in self.items if predicate(item)]

    def wait_for(self, predicate: Callable[[Dict[str, Any]], bool], timeout: float = 30.0,
                 count: int = 1) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [item for item in self.items if predicate(item)]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    return found
                self._cond.wait(remaining)


class _FakeServer:
    def __init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _reply(self, status: int, payload: Dict[str, Any]) -> None:
                body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                status, payload = owner.handle("GET", url.path, urllib.parse.parse_qs(url.query), b"", self.headers)
                self._reply(status, payload)

            def do_POST(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = owner.handle("POST", url.path, urllib.parse.parse_qs(url.query), body, self.headers)
                self._reply(status, payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> _FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def handle(self, method: str, path: str, query: Dict[str, List[str]], body: bytes,
               headers: Any) -> tuple[int, Dict[str, Any]]:
        raise NotImplementedError


class WeComDuplicateCheck:
    """message/send's documented duplicate check (developer.work.weixin.qq.com/document/path/90236):
    with `enable_duplicate_check` 1, a message whose agentid, touser, msgtype and content equal one delivered
    within `duplicate_check_interval` seconds (default 1800, at most 4 hours) is not delivered. A send without
    the flag is always delivered.

    The key is the content, not a request id (WxJava issue 1915 / PR 2880 add the two fields as content
    checks). What the documentation leaves open, and what this fake assumes:
    - which earlier sends a flagged send is compared with. ASSUMED (`compare_unflagged=True`, the default):
      every earlier delivery of the same app, recipient, type and content within the interval, with or
      without the flag. That is the stricter reading for KeQing: a legitimate repeat must then go out WITHOUT
      the flag (keqing.channels.inbox.worker `duplicate_check` does so) or it is silenced. If the real API
      compares only with earlier *flagged* sends (`compare_unflagged=False`), nothing breaks: an unflagged
      repeat is delivered either way, and the crash case is still covered because a part that was never
      attempted and has no identical recent send goes out flagged the first time, so its resend is compared
      with it. (The one difference: a legitimate repeat, sent unflagged, whose send is interrupted, is resent
      flagged; under the assumed reading WeCom drops that resend because of the earlier identical delivery,
      under the other it may reach the rep twice.)
    - what WeCom answers for a dropped duplicate: this fake answers errcode 0 "ok", as for a delivery (the
      sender treats any non-retryable errcode as "skip the part", so either answer gives at most once).
    `classify` also tells a *repeat* (delivered although the same message was delivered within the interval:
    sent without the flag) from a first delivery. Thread-safe; `clock` is injectable (monotonic seconds).
    """

    DEFAULT_INTERVAL = 1800
    MAX_INTERVAL = 4 * 3600

    def __init__(self, clock: Callable[[], float] = time.monotonic, compare_unflagged: bool = True) -> None:
        self.clock = clock
        self.compare_unflagged = compare_unflagged
        self._delivered: Dict[tuple, float] = {}  # key -> time of the last delivery, flagged or not
        self._flagged: Dict[tuple, float] = {}  # key -> time of the last flagged delivery
        self._lock = threading.Lock()

    @staticmethod
    def key(data: Dict[str, Any]) -> tuple:
        msgtype = str(data.get("msgtype") or "")
        content = json.dumps(data.get(msgtype), sort_keys=True, ensure_ascii=False)
        return str(data.get("agentid")), str(data.get("touser")), msgtype, content

    def interval(self, data: Dict[str, Any]) -> float:
        try:
            seconds = int(data.get("duplicate_check_interval") or self.DEFAULT_INTERVAL)
        except (TypeError, ValueError):
            seconds = self.DEFAULT_INTERVAL
        return float(min(max(seconds, 0), self.MAX_INTERVAL))

    @staticmethod
    def flagged(data: Dict[str, Any]) -> bool:
        return str(data.get("enable_duplicate_check", 0)) == "1"

    def classify(self, data: Dict[str, Any]) -> str:
        """"suppressed": a duplicate the check drops; "repeat": delivered (and remembered) although the same
        message was delivered within the interval (a send without the flag); "delivered": any other delivery."""
        key, now, flagged = self.key(data), self.clock(), self.flagged(data)
        window = self.interval(data)
        with self._lock:
            last = self._delivered.get(key)
            compared = last if self.compare_unflagged else self._flagged.get(key)
            if flagged and compared is not None and now - compared < window:
                return "suppressed"
            self._delivered[key] = now
            if flagged:
                self._flagged[key] = now
            return "repeat" if last is not None and now - last < window else "delivered"

    def admit(self, data: Dict[str, Any]) -> bool:
        """True: deliver (and remember) `data`; False: a duplicate the check drops."""
        return self.classify(data) != "suppressed"


class FakeWeComAPI(_FakeServer):
    """/cgi-bin/gettoken and /cgi-bin/message/send of the WeCom server API, with its duplicate check
    (`WeComDuplicateCheck`): a send the check drops is recorded in `suppressed`, not in `sent`; a delivered
    send identical to one delivered within the interval (sent without the flag) also in `repeated`."""

    def __init__(self, corp_id: str = WECOM_CORP_ID, secret: str = WECOM_SECRET,
                 access_token: str = WECOM_ACCESS_TOKEN, clock: Callable[[], float] = time.monotonic,
                 compare_unflagged: bool = True) -> None:
        super().__init__()
        self.corp_id, self.secret, self.access_token = corp_id, secret, access_token
        self.token_requests = Recorder()
        self.sent = Recorder()
        self.suppressed = Recorder()  # sends the duplicate check dropped (answered like a delivery)
        self.repeated = Recorder()  # delivered repeats of a message delivered within the interval (also in `sent`)
        self.duplicate_check = WeComDuplicateCheck(clock, compare_unflagged)
        self.errors = Recorder()
        self.attempts = Recorder()  # every message/send request, answered or refused
        self.media = Recorder()  # uploaded media: {"type", "media_id", "content"}
        # failure injection: queued answers for the next sends, or refuse every send while set
        self.fail_next: List[tuple] = []
        self.refuse_all: Optional[tuple] = None
        self._lock = threading.Lock()

    def fail(self, *answers: tuple) -> None:
        """The next sends get these (status, payload) answers, e.g. (200, {"errcode": -1, ...})."""
        with self._lock:
            self.fail_next.extend(answers)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handle(self, method, path, query, body, headers):
        first = {k: v[0] for k, v in query.items()}
        if method == "GET" and path == "/cgi-bin/gettoken":
            self.token_requests.add(first)
            if first.get("corpid") != self.corp_id or first.get("corpsecret") != self.secret:
                return 200, {"errcode": 40001, "errmsg": "invalid credential"}
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": self.access_token, "expires_in": 7200}
        if method == "POST" and path == "/cgi-bin/media/upload":
            if first.get("access_token") != self.access_token:
                return 200, {"errcode": 40014, "errmsg": "invalid access_token"}
            content = _multipart_file(body, headers.get("Content-Type") or "")
            if not content:
                return 200, {"errcode": 41005, "errmsg": "media data missing"}
            media_id = f"MEDIA-{len(self.media.items) + 1}"
            self.media.add({"type": first.get("type"), "media_id": media_id, "content": content})
            return 200, {"errcode": 0, "errmsg": "ok", "type": first.get("type"), "media_id": media_id}
        if method == "POST" and path == "/cgi-bin/message/send":
            if first.get("access_token") != self.access_token:
                self.errors.add({"path": path, "query": first})
                return 200, {"errcode": 40014, "errmsg": "invalid access_token"}
            try:
                data = json.loads(body.decode("utf-8"))
            except ValueError:
                self.errors.add({"path": path, "body": body})
                return 200, {"errcode": 47001, "errmsg": "data format error"}
            self.attempts.add(data)
            with self._lock:
                refusal = self.fail_next.pop(0) if self.fail_next else self.refuse_all
            if refusal is not None:
                return refusal
            verdict = self.duplicate_check.classify(data)
            if verdict == "suppressed":
                self.suppressed.add(data)
                return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": ""}  # not documented: see above
            if verdict == "repeat":
                self.repeated.add(data)
            self.sent.add(data)
            return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": ""}
        self.errors.add({"path": path, "method": method})
        return 404, {"errcode": 404, "errmsg": "not found"}

    def sent_to(self, user: str) -> List[Dict[str, Any]]:
        return self.sent.matching(lambda m: m.get("touser") == user)

    def wait_sent_to(self, user: str, timeout: float = 30.0, count: int = 1) -> List[Dict[str, Any]]:
        return self.sent.wait_for(lambda m: m.get("touser") == user, timeout, count)


def _multipart_file(body: bytes, content_type: str) -> bytes:
    """The first file part of a multipart/form-data body."""
    from email.parser import BytesParser

    if "multipart/form-data" not in content_type:
        return b""
    message = BytesParser().parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    for part in message.walk():
        if part.get_filename():
            return part.get_payload(decode=True) or b""
    return b""


class FakeSlackAPI(_FakeServer):
    """/api/chat.postMessage (and a permissive /api/*) of the Slack Web API."""

    def __init__(self, token: str = SLACK_TOKEN) -> None:
        super().__init__()
        self.token = token
        self.posts = Recorder()
        self._ts = 1700000000

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def handle(self, method, path, query, body, headers):
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 200, {"ok": False, "error": "invalid_auth"}
        content_type = headers.get("Content-Type") or ""
        if "json" in content_type:
            data = json.loads(body.decode("utf-8") or "{}")
        else:
            data = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8")).items()}
            for key in ("blocks", "attachments"):
                if isinstance(data.get(key), str):
                    data[key] = json.loads(data[key])
        if path == "/api/chat.postMessage":
            self._ts += 1
            self.posts.add(data)
            return 200, {"ok": True, "channel": data.get("channel"), "ts": f"{self._ts}.000100"}
        return 200, {"ok": True}

    def posts_to(self, channel: str) -> List[Dict[str, Any]]:
        return self.posts.matching(lambda m: m.get("channel") == channel)

    def wait_posts_to(self, channel: str, timeout: float = 30.0, count: int = 1) -> List[Dict[str, Any]]:
        return self.posts.wait_for(lambda m: m.get("channel") == channel, timeout, count)


# --------------------------------------------------------------------------- Rasa server


def find_model() -> Optional[Path]:
    override = os.environ.get("KEQING_TEST_MODEL")
    if override:
        path = Path(override)
        if not path.exists():
            raise FileNotFoundError(f"KEQING_TEST_MODEL={override} does not exist")
        return path
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def http(method: str, url: str, body: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None,
         timeout: float = 10.0) -> tuple[int, bytes, Dict[str, str]]:
    """(status, body, headers with lower-case names); 4xx/5xx are returned, not raised."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as res:
            return res.status, res.read(), {k.lower(): v for k, v in res.headers.items()}
    except urllib.error.HTTPError as e:
        return e.code, e.read(), {k.lower(): v for k, v in (e.headers or {}).items()}


def model_custom_actions(model: Path) -> Optional[List[str]]:
    """Custom actions declared in the model's domain (metadata.json), or None when unreadable."""
    import tarfile

    try:
        with tarfile.open(model) as archive:
            member = archive.extractfile("metadata.json")
            domain = json.load(member).get("domain") or {} if member else {}
    except (OSError, KeyError, ValueError, tarfile.TarError):
        return None
    names = [a if isinstance(a, str) else next(iter(a), "") for a in (domain.get("actions") or [])]
    return [name for name in names if name and not name.startswith("utter_")]


def needs_action_server(model: Path) -> bool:
    if os.environ.get("KEQING_TEST_ACTIONS", "1") == "0":
        return False
    custom = model_custom_actions(model)
    if custom is None:  # cannot tell: start it when the project has actions
        return any(p.name != "__init__.py" for p in (ROOT / "actions").glob("*.py"))
    return bool(custom)


class RasaStack:
    """scripts/server.sh (what `make server` runs) with every channel on, against the fake APIs."""

    def __init__(self, model: Path) -> None:
        self.model = model
        self.workdir = Path(tempfile.mkdtemp(prefix="keqing-channels-"))
        self.wecom_api = FakeWeComAPI().start()
        self.slack_api = FakeSlackAPI().start()
        self.port = free_port()
        self.action_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.processes: List[subprocess.Popen] = []
        self._stopped = False
        self.log_path = self.workdir / "rasa.log"
        self.clock_offset_file = self.workdir / "clock-offset"
        self.actions_log = self.workdir / "action-server.log"
        self.env = dict(os.environ)
        self.env.update({
            "WECOM_CORP_ID": WECOM_CORP_ID,
            "WECOM_AGENT_ID": WECOM_AGENT_ID,
            "WECOM_SECRET": WECOM_SECRET,
            "WECOM_TOKEN": WECOM_TOKEN,
            "WECOM_AES_KEY": WECOM_AES_KEY,
            "WECOM_API_BASE": self.wecom_api.base_url,
            "SLACK_TOKEN": SLACK_TOKEN,
            "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
            "SLACK_API_BASE": self.slack_api.base_url,
            "KEQING_API_TOKEN": API_TOKEN,
            "KEQING_REST_TOKEN": REST_TOKEN,
            "KEQING_MODEL": str(model),
            "KEQING_PORT": str(self.port),
            "KEQING_ACTION_PORT": str(self.action_port),
            "KEQING_INTERFACE": "127.0.0.1",
            "KEQING_RUNTIME_DIR": str(self.workdir),
            "KEQING_DB_URL": f"sqlite:///{self.workdir / 'keqing.db'}",
            "KEQING_TRACKER_URL": f"sqlite:///{self.workdir / 'tracker.db'}",
            "KEQING_INBOX_SPOOL": str(self.workdir / "inbox-spool.jsonl"),
            "KEQING_BUSY_AFTER_SECONDS": "8",
            "KEQING_INBOX_RETRY_MAX_SECONDS": "2",
            # due reminders are pushed every second; the clock can be moved forward by writing seconds to
            # `clock_offset_file`; no weekly digest: it would message other tests' reps
            "KEQING_REMINDER_POLL_SECONDS": "1",
            "KEQING_CLOCK_OFFSET_FILE": str(self.workdir / "clock-offset"),
            "KEQING_DIGEST_ENABLED": "false",
            "LOG_LEVEL": "DEBUG",  # urllib3 prints request URLs at debug level: the redaction must hold
            "LOG_LEVEL_LIBRARIES": "DEBUG",
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        })
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy",
                    "KEQING_ACTION_URL", "KEQING_REDIS_URL"):
            self.env.pop(var, None)

    def start(self) -> RasaStack:
        subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "keqing", "kb", "load"], cwd=str(ROOT),
                       env=self.env, check=True, capture_output=True)
        self._spawn(["bash", str(ROOT / "scripts" / "server.sh")], self.log_path)
        self._wait(f"{self.base_url}/status?token={API_TOKEN}", self.log_path)
        return self

    def kill(self) -> None:
        """SIGKILL the whole server (rasa and the action server): a crash, nothing runs its clean-up."""
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes = []

    def restart(self) -> None:
        self.kill()
        self._spawn(["bash", str(ROOT / "scripts" / "server.sh")], self.log_path)
        self._wait(f"{self.base_url}/status?token={API_TOKEN}", self.log_path)

    def action_server_pid(self) -> Optional[int]:
        """The action server started by server.sh (a child of the script)."""
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"actions" in cmdline and str(self.action_port).encode() in cmdline:
                return int(proc.name)
        return None

    def start_action_server(self) -> None:
        """Another action server on the same port (after a test stopped server.sh's own)."""
        self._spawn([str(RASA), "run", "actions", "--actions", "actions", "--port", str(self.action_port)],
                    self.actions_log)
        self._wait(f"http://127.0.0.1:{self.action_port}/health", self.actions_log)

    def _spawn(self, argv: List[str], log: Path) -> None:
        handle = open(log, "ab")
        self.processes.append(subprocess.Popen(argv, cwd=str(ROOT), env=self.env, stdout=handle,
                                               stderr=subprocess.STDOUT, start_new_session=True))

    def _wait(self, url: str, log: Path) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        process = self.processes[-1]
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.stop()
                raise RuntimeError(f"{url.split('/')[2]} exited with {process.returncode}:\n{self.log_tail(log)}")
            try:
                status, _, _ = http("GET", url, timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"no answer from {url} within {STARTUP_TIMEOUT} s:\n{self.log_tail(log)}")

    def log_tail(self, log: Optional[Path] = None, lines: int = 60) -> str:
        try:
            return "\n".join((log or self.log_path).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def logs(self) -> str:
        """Everything the server and the action server logged so far."""
        return "\n".join(p.read_text(errors="replace") for p in (self.log_path, self.actions_log) if p.exists())

    def tracker(self, sender_id: str) -> Dict[str, Any]:
        status, body, _ = http("GET", f"{self.base_url}/conversations/{urllib.parse.quote(sender_id)}/tracker"
                                      f"?token={API_TOKEN}")
        assert status == 200, body
        return json.loads(body)

    def user_texts(self, sender_id: str) -> List[str]:
        return [e.get("text") for e in self.tracker(sender_id).get("events", []) if e.get("event") == "user"]

    def wait_user_texts(self, sender_id: str, count: int = 1, timeout: float = 15.0) -> List[str]:
        """The user messages in the tracker, once there are `count` (Rasa saves the tracker after the
        replies have gone out, so right after a reply the tracker may lag behind)."""
        deadline = time.monotonic() + timeout
        while True:
            texts = self.user_texts(sender_id)
            if len(texts) >= count or time.monotonic() > deadline:
                return texts
            time.sleep(0.2)

    def rest(self, sender: str, message: Any, token: Optional[str] = REST_TOKEN, body: Optional[bytes] = None,
             content_type: str = "application/json", timeout: float = 60.0) -> tuple[int, Any]:
        headers = {"Content-Type": content_type}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = body if body is not None else json.dumps({"sender": sender, "message": message}).encode()
        status, out, _ = http("POST", f"{self.base_url}/webhooks/rest/webhook", data, headers, timeout=timeout)
        try:
            return status, json.loads(out)
        except ValueError:
            return status, out

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=5)
        self.processes = []
        for api in (self.wecom_api, self.slack_api):
            try:
                api.stop()
            except Exception:
                pass
        if os.environ.get("KEQING_TEST_KEEP_LOGS"):
            print(f"channel test logs kept in {self.workdir}", file=sys.stderr)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


_STACK: Optional[RasaStack] = None
_STACK_ERROR: Optional[BaseException] = None


def shared_stack(request: Any) -> RasaStack:
    """The session's Rasa server (started on first use, stopped at the end of the session)."""
    global _STACK, _STACK_ERROR
    if _STACK is not None:
        return _STACK
    if _STACK_ERROR is not None:
        pytest.fail(f"Rasa server failed to start: {_STACK_ERROR}")
    model = find_model()
    if model is None:
        pytest.skip("no trained model in models/ (set KEQING_TEST_MODEL)")
    try:
        stack = RasaStack(model)
        request.config.add_cleanup(stack.stop)
        _STACK = stack.start()
    except BaseException as e:
        _STACK_ERROR = e
        raise
    return _STACK
