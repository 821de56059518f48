"""A Rasa server and an action server on free loopback ports, with the customer memory and the tracker store
in SQLite files of a work directory: what the end-to-end and conversation tests talk to over REST."""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Dict, List

from fakes import RASA, ROOT, free_port, http

STARTUP = float(os.environ.get("KEQING_TEST_SERVER_TIMEOUT", "240"))


class Stack:
    """rasa run + rasa run actions on free ports, sharing one database and one tracker store."""

    def __init__(self, model: Path, workdir: Path) -> None:
        self.model, self.workdir = model, workdir
        self.db_url = f"sqlite:///{workdir / 'keqing.db'}"
        self.tracker_url = f"sqlite:///{workdir / 'tracker.db'}"
        self.procs: List[subprocess.Popen] = []

    def start(self) -> Stack:
        action_port, port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, KEQING_DB_URL=self.db_url, RASA_TELEMETRY_ENABLED="false",
                   PYTHONPATH=str(ROOT), NO_PROXY="127.0.0.1,localhost")
        (self.workdir / "endpoints.yml").write_text(
            f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n"
            f"tracker_store:\n  type: SQL\n  url: {self.tracker_url}\n", encoding="utf-8")
        self._spawn([RASA, "run", "actions", "--actions", "actions", "--port", str(action_port)], env, "actions.log")
        self._wait(f"http://127.0.0.1:{action_port}/health")
        self._spawn([RASA, "run", "--enable-api", "--port", str(port), "--interface", "127.0.0.1",
                     "--model", str(self.model), "--endpoints", str(self.workdir / "endpoints.yml")], env, "rasa.log")
        self._wait(f"{self.base}/status")
        return self

    def _spawn(self, argv, env, log) -> None:
        handle = open(self.workdir / log, "ab")
        self.procs.append(subprocess.Popen([str(a) for a in argv], cwd=ROOT, env=env, stdout=handle,
                                           stderr=subprocess.STDOUT, start_new_session=True))

    def _wait(self, url: str) -> None:
        deadline = time.monotonic() + STARTUP
        while time.monotonic() < deadline:
            if self.procs[-1].poll() is not None:
                raise RuntimeError(f"server exited: {self.log()}")
            try:
                if http("GET", url, timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"no answer from {url}: {self.log()}")

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.workdir.glob("*.log"))

    def say(self, sender: str, text: str) -> List[Dict]:
        body = json.dumps({"sender": sender, "message": text}).encode()
        status, out, _ = http("POST", f"{self.base}/webhooks/rest/webhook", body,
                              {"Content-Type": "application/json"}, timeout=60)
        assert status == 200, out
        return json.loads(out)

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
        self.procs = []


def text_of(replies: List[Dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def buttons_of(replies: List[Dict]) -> List[str]:
    return [b["title"] for r in replies for b in r.get("buttons", [])]
