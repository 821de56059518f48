"""Faults on a small loopback cluster (PostgreSQL, Redis, nginx, 2 Rasa replicas, 1 action server, the
WeCom channel on a fake WeCom API): Redis restarted, PostgreSQL restarted, a replica killed (SIGKILL) with
messages in flight. After each, every message WeCom was told we accepted (HTTP 200) is in its rep's
tracker exactly once and in order, its replies reached WeCom exactly once, and the conversation goes on.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
try:
    from tests import fakes
    from tests.server import test_wecom_protocol as proto
except ImportError:  # tests/ is not a package
    import fakes
    import test_wecom_protocol as proto
from cluster import Cluster  # noqa: E402

from keqing.channels.texts import BUSY_TEXT  # noqa: E402
from keqing.channels.wecom.render import render_bot_messages  # noqa: E402

pytestmark = pytest.mark.server
REPLY_TIMEOUT = 90.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    model = fakes.find_model()
    if model is None:
        pytest.skip("no trained model in models/ (set KEQING_TEST_MODEL)")
    api = fakes.FakeWeComAPI().start()
    workdir = Path(tempfile.mkdtemp(prefix="keqing-cluster-"))
    os.chmod(workdir, 0o755)  # PostgreSQL runs as its own user
    c = Cluster(workdir)
    env = {"WECOM_CORP_ID": fakes.WECOM_CORP_ID, "WECOM_AGENT_ID": fakes.WECOM_AGENT_ID,
           "WECOM_SECRET": fakes.WECOM_SECRET, "WECOM_TOKEN": fakes.WECOM_TOKEN, "WECOM_AES_KEY": fakes.WECOM_AES_KEY,
           "WECOM_API_BASE": api.base_url,
           "KEQING_DIGEST_ENABLED": "false"}  # no weekly digest: every message counted must be an answer
    linked = (fakes.ROOT / "models" / "current.tar.gz")
    try:
        c.start(replicas=2, actions=1, model=str(model.resolve()) if not linked.exists() else None, channel_env=env, port=0)
    except BaseException:
        c.stop()
        api.stop()
        raise
    c.api = api  # type: ignore[attr-defined]
    yield c
    c.stop()
    api.stop()


def send(cluster: Cluster, user: str, text: str, msg_id: str) -> None:
    """Deliver like WeCom: again and again until the cluster answers 200 (accepted)."""
    encrypted = proto.encrypt(proto.text_xml(user, text, msg_id))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _, _ = fakes.http("POST", f"{cluster.base_url}{proto.WEBHOOK}?{proto.query(encrypted)}",
                                      proto.envelope(encrypted), {"Content-Type": "text/xml"}, timeout=10)
            if status == 200:
                return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"message {msg_id} of {user} never accepted")


def tracker_events(cluster: Cluster, user: str) -> List[Dict[str, Any]]:
    import sqlalchemy as sa

    engine = sa.create_engine(cluster.tracker_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": user})
            return [json.loads(r.data) for r in rows]
    finally:
        engine.dispose()


def expected_replies(events: List[Dict[str, Any]]) -> int:
    answers: List[List[Dict[str, Any]]] = []
    for e in events:
        if e.get("event") == "user":
            answers.append([])
        elif e.get("event") == "bot" and answers:
            data = {k: v for k, v in (e.get("data") or {}).items() if v}
            answers[-1].append({"text": e.get("text"), **data} if e.get("text") else data)
    return sum(len(render_bot_messages(a, "markdown").messages) for a in answers)


def answers_sent(cluster: Cluster, user: str) -> List[Dict[str, Any]]:
    """What reached WeCom for `user`, without the "系统有点忙" notices a restart may cause."""
    return [m for m in cluster.api.sent_to(user)  # type: ignore[attr-defined]
            if BUSY_TEXT not in json.dumps(m, ensure_ascii=False)]


def assert_each_once_in_order(cluster: Cluster, sent: Dict[str, List[str]]) -> None:
    """Every accepted message in the tracker once, in the order sent; replies sent exactly once."""
    deadline = time.monotonic() + REPLY_TIMEOUT
    while True:
        ids = {user: [e.get("message_id") for e in tracker_events(cluster, user) if e.get("event") == "user"]
               for user in sent}
        done = all(ids[u] == sent[u] for u in sent) and all(
            len(answers_sent(cluster, u)) >= expected_replies(tracker_events(cluster, u)) for u in sent)
        if done or time.monotonic() > deadline:
            break
        time.sleep(1)
    for user, msg_ids in sent.items():
        assert ids[user] == msg_ids, f"{user}: tracker has {ids[user]}, sent {msg_ids}"
    time.sleep(2)  # a duplicate would arrive now
    for user in sent:
        assert len(answers_sent(cluster, user)) == expected_replies(tracker_events(cluster, user)), user


def converse(cluster: Cluster, reps: List[str], texts: List[str], during: Any = None) -> Dict[str, List[str]]:
    """Each rep sends `texts` back to back (a burst); `during()` runs while they are being processed."""
    sent: Dict[str, List[str]] = {rep: [] for rep in reps}

    def one(rep: str) -> None:
        for text in texts:
            msg_id = proto.new_msg_id()
            sent[rep].append(msg_id)
            send(cluster, rep, text, msg_id)

    threads = [threading.Thread(target=one, args=(rep,)) for rep in reps]
    for t in threads:
        t.start()
    if during is not None:
        time.sleep(0.3)
        during()
    for t in threads:
        t.join(timeout=120)
    return sent


TEXTS = ["王总说一不二,开会只听结论,我们占他们三成", "他最近一直催报价", "下一步怎么跟他推进?"]


def test_redis_restart_loses_and_repeats_nothing(cluster: Cluster) -> None:
    reps = [f"redis-{uuid.uuid4().hex[:6]}" for _ in range(3)]
    sent = converse(cluster, reps, TEXTS, during=cluster.restart_redis)
    assert_each_once_in_order(cluster, sent)
    resumed = converse(cluster, reps[:1], ["那他这种人送什么礼合适?"])  # the conversation goes on
    assert_each_once_in_order(cluster, {reps[0]: sent[reps[0]] + resumed[reps[0]]})


def test_postgres_restart_loses_and_repeats_nothing(cluster: Cluster) -> None:
    reps = [f"pg-{uuid.uuid4().hex[:6]}" for _ in range(3)]
    sent = converse(cluster, reps, TEXTS, during=cluster.restart_postgres)
    assert_each_once_in_order(cluster, sent)
    resumed = converse(cluster, reps[:1], ["那他这种人送什么礼合适?"])
    assert_each_once_in_order(cluster, {reps[0]: sent[reps[0]] + resumed[reps[0]]})


def test_replica_killed_mid_run_loses_and_repeats_nothing(cluster: Cluster) -> None:
    reps = [f"kill-{uuid.uuid4().hex[:6]}" for _ in range(4)]
    sent = converse(cluster, reps, TEXTS, during=lambda: cluster.kill("rasa-1", signal.SIGKILL))
    assert not cluster.alive("rasa-1")
    assert_each_once_in_order(cluster, sent)  # the other replica took over the dead one's queues
    resumed = converse(cluster, reps[:2], ["那他这种人送什么礼合适?"])
    for rep in reps[:2]:
        assert_each_once_in_order(cluster, {rep: sent[rep] + resumed[rep]})
