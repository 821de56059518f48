"""`make loadtest`: Locust against the loopback cluster (scripts/cluster.py), in three phases:

1. one Rasa replica behind nginx, 2. two replicas, 3. two replicas with one killed (SIGKILL) mid-run.

Virtual reps play the multi-turn rep conversations of tests/conversations/conversations.yml, each waiting
for the answer and a short think time before its next message; some talk through the REST channel
(`Authorization: Bearer $KEQING_REST_TOKEN` when set), some through the WeCom callback (encrypted as WeCom
does; the replies reach a fake WeCom API in this process), and every few turns a rep sends a burst of
messages at once. WeCom callbacks that fail (502 while a replica dies) are delivered again, as WeCom does.

Afterwards the tracker store and the customer memory (PostgreSQL) are checked:
- lost: an accepted message (REST 200 / WeCom 200) missing from its rep's tracker, or a WeCom message whose
  replies never all arrived;
- duplicated: a message twice in a tracker, or more WeCom replies delivered than the tracker's answers
  render to;
- suppressed: reply parts the fake WeCom API's duplicate check dropped (`enable_duplicate_check`,
  tests/fakes.py), split into resends (a part sent again after an unconfirmed attempt, e.g. the killed
  replica's: exactly once thanks to the check; reported, not a failure) and repeats (an answer identical to
  one the rep got within the window, which the rep asked for: must be 0, docs/channels.md §7); also reported:
  the repeats delivered (sent without the flag) and the answers sent with / without the flag;
- reordered: a rep's messages in the tracker in another order than sent (a REST burst may interleave only
  within itself);
- duplicate customers: one rep with two customer records under one name key.

The last line printed is one JSON object (shared/interfaces.md). Environment: LOADTEST_SECONDS (per phase,
default 30), LOADTEST_REST_REPS (10), LOADTEST_WECOM_REPS (6), KEQING_CLUSTER_MODEL.
"""
from gevent import monkey

monkey.patch_all()

import itertools
import json
import os
import random
import secrets
import signal
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import gevent
import yaml
from gevent.pywsgi import WSGIServer
from locust import HttpUser, between, events, task
from locust.env import Environment

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(Path(__file__).resolve().parent)]

import wecom
from cluster import Cluster, free_port

SECONDS = float(os.environ.get("LOADTEST_SECONDS", "30"))
REST_REPS = int(os.environ.get("LOADTEST_REST_REPS", "10"))
WECOM_REPS = int(os.environ.get("LOADTEST_WECOM_REPS", "6"))
BURST_EVERY, BURST_SIZE = 6, 3
REPLY_TIMEOUT = 90.0
RUN = uuid.uuid4().hex[:6]


def conversations() -> List[List[str]]:
    data = yaml.safe_load((ROOT / "tests" / "conversations" / "conversations.yml").read_text(encoding="utf-8"))
    return [[t["user"] for t in c["turns"] if isinstance(t.get("user"), str)] for c in data["conversations"]]


SCRIPTS = conversations()


@dataclass
class Sent:
    rep: str
    channel: str
    text: str
    group: int  # messages of one burst share a group; the order within a group is not defined (REST)
    msg_id: str = ""
    accepted: bool = False
    answered: bool = False
    phase: str = ""


@dataclass
class Ledger:
    sent: Dict[str, List[Sent]] = field(default_factory=lambda: defaultdict(list))
    phase: str = ""
    errors: int = 0


LEDGER = Ledger()
API = wecom.FakeWeComAPI()
_groups = itertools.count()
_msg_ids = itertools.count(int(time.time() * 1000) * 1000)


class Rep(HttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)  # think time between a reply and the next message
    channel = ""

    def on_start(self) -> None:
        self.rep = f"load-{RUN}-{self.channel}-{uuid.uuid4().hex[:8]}"
        self.lines = itertools.chain.from_iterable(random.sample(SCRIPTS, len(SCRIPTS)) * 10)
        self.turns = 0

    @task
    def talk(self) -> None:
        self.turns += 1
        if self.turns % BURST_EVERY == 0:
            group = next(_groups)
            self.burst([Sent(self.rep, self.channel, next(self.lines), group, phase=LEDGER.phase)
                        for _ in range(BURST_SIZE)])
        else:
            self.say(Sent(self.rep, self.channel, next(self.lines), next(_groups), phase=LEDGER.phase))

    def say(self, message: Sent) -> None:
        raise NotImplementedError

    def burst(self, messages: List[Sent]) -> None:
        raise NotImplementedError


class RestRep(Rep):
    channel = "rest"

    def say(self, message: Sent) -> None:
        LEDGER.sent[self.rep].append(message)
        headers = {"Content-Type": "application/json"}
        token = os.environ.get("KEQING_REST_TOKEN")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        with self.client.post("/webhooks/rest/webhook", json={"sender": self.rep, "message": message.text},
                              headers=headers, name="REST turn", catch_response=True, timeout=REPLY_TIMEOUT) as res:
            if res.status_code == 200:
                message.accepted = True
                message.answered = bool(res.json())
                if not message.answered:
                    res.failure("empty answer")
            else:
                LEDGER.errors += 1
                res.failure(f"HTTP {res.status_code}")

    def burst(self, messages: List[Sent]) -> None:
        gevent.joinall([gevent.spawn(self.say, m) for m in messages])


class WeComRep(Rep):
    channel = "wecom"

    def deliver(self, message: Sent) -> bool:
        """POST the callback until the cluster accepts it (200), like WeCom's retries."""
        message.msg_id = str(next(_msg_ids))
        LEDGER.sent[self.rep].append(message)
        for attempt in range(8):
            query, body = wecom.callback(self.rep, message.text, message.msg_id)
            try:
                res = self.client.post(f"/webhooks/wecom/webhook?{query}", data=body, name="WeCom callback",
                                       headers={"Content-Type": "text/xml"}, timeout=10)
                if res.status_code == 200:
                    message.accepted = True
                    return True
            except Exception:
                pass
            gevent.sleep(0.5 * (attempt + 1))
        LEDGER.errors += 1
        return False

    def say(self, message: Sent) -> None:
        self.burst([message])

    def burst(self, messages: List[Sent]) -> None:
        before = API.replies(self.rep)
        started = time.perf_counter()
        accepted = sum(self.deliver(m) for m in messages)
        if not accepted:
            return
        # each answer has at least one reply; wait for one per accepted message
        ok = API.wait_for(self.rep, before + accepted, REPLY_TIMEOUT, gevent.sleep)
        elapsed = (time.perf_counter() - started) * 1000
        for m in messages:
            m.answered = ok and m.accepted
        events.request.fire(request_type="WECOM", name="WeCom turn (reply at the API)", response_time=elapsed,
                            response_length=0, exception=None if ok else TimeoutError("no reply"), context={})


def run_phase(cluster: Cluster, name: str, seconds: float, kill_at: Optional[float] = None) -> Dict[str, Any]:
    LEDGER.phase = API.phase = name
    env = Environment(user_classes=[RestRep, WeComRep], events=events, host=cluster.base_url,
                      stop_timeout=REPLY_TIMEOUT + 30)  # a rep finishes the turn it is in
    runner = env.create_local_runner()
    users = REST_REPS + WECOM_REPS
    runner.start(users, spawn_rate=users / 2)
    started = time.monotonic()
    if kill_at is not None:
        gevent.sleep(kill_at)
        print(f"loadtest: killing rasa-2 (SIGKILL) after {kill_at:.0f}s", file=sys.stderr)
        cluster.kill("rasa-2", signal.SIGKILL)
    gevent.sleep(max(0.0, seconds - (time.monotonic() - started)))
    runner.stop()  # waits (stop_timeout) for each rep to finish the turn it is in
    elapsed = time.monotonic() - started
    total = env.stats.total
    turns = sum(s.num_requests - s.num_failures for k, s in env.stats.entries.items() if k[1] != "POST")
    turns += sum(s.num_requests - s.num_failures for k, s in env.stats.entries.items() if k[0] == "REST turn")
    out = {
        "turns": turns,
        "turns_per_s": round(turns / elapsed, 2),
        "p50_ms": round(_percentile(env, 0.50)),
        "p95_ms": round(_percentile(env, 0.95)),
        "p99_ms": round(_percentile(env, 0.99)),
        "failed_requests": total.num_failures,
    }
    runner.quit()
    return out


def _percentile(env: Environment, q: float) -> float:
    """Over turns only (REST requests and WeCom replies), not the WeCom callback POSTs."""
    from locust.stats import StatsEntry

    merged = StatsEntry(env.stats, "turns", "")
    for (name, _method), entry in env.stats.entries.items():
        if name in ("REST turn", "WeCom turn (reply at the API)"):
            merged.extend(entry)
    return merged.get_response_time_percentile(q) if merged.num_requests else 0.0


def check(cluster: Cluster) -> Dict[str, int]:
    """Compare what was sent with the trackers and the replies."""
    import sqlalchemy as sa

    from keqing.channels.wecom.render import render_bot_messages

    tracker_db = sa.create_engine(cluster.tracker_url)
    memory_db = sa.create_engine(cluster.db_url)
    lost = dup_tracker = dup_replies = reordered = suppressed_resends = suppressed_repeats = 0
    with tracker_db.connect() as conn:
        for rep, sent in LEDGER.sent.items():
            rows = conn.execute(sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                                {"s": rep}).fetchall()
            events_ = [json.loads(r.data) for r in rows]
            seen = [e.get("text") for e in events_ if e.get("event") == "user"]
            accepted = [m for m in sent if m.accepted]
            # a message the cluster did not accept (502 while a replica died) may still have run once
            want, tried, got = Counter(m.text for m in accepted), Counter(m.text for m in sent), Counter(seen)
            lost += sum((want - got).values())
            dup_tracker += sum((got - tried).values())
            lost += sum(1 for m in accepted if m.channel == "wecom" and not m.answered)
            lost += sum(1 for m in accepted if m.channel == "rest" and not m.answered)
            # order: the group of each message, in tracker order, must never go back
            group_of: Dict[str, List[int]] = defaultdict(list)
            for m in accepted:
                group_of[m.text].append(m.group)
            groups = [group_of[t].pop(0) for t in seen if group_of.get(t)]
            reordered += sum(1 for a, b in zip(groups, groups[1:]) if b < a)
            if sent and sent[0].channel == "wecom":  # replies sent vs. what the tracker answered
                expected = 0
                answers: List[List[Dict[str, Any]]] = []
                for e in events_:
                    if e.get("event") == "user":
                        answers.append([])
                    elif e.get("event") == "bot" and answers:
                        data = {k: v for k, v in (e.get("data") or {}).items() if v}
                        answers[-1].append({"text": e.get("text"), **data} if e.get("text") else data)
                expected = sum(len(render_bot_messages(a, "markdown").messages) for a in answers)
                delivered, suppressed = API.count(rep), API.suppressed_count(rep)
                dup_replies += max(0, delivered - expected)  # duplicates that reached the rep
                # sends beyond the answers that WeCom's duplicate check dropped: resent parts (exactly once);
                # the rest it dropped were answers identical to one the rep got within the window, i.e. a
                # legitimate repeat silenced (must not happen: those go out without the flag)
                resends = min(suppressed, max(0, delivered + suppressed - expected))
                suppressed_resends += resends
                suppressed_repeats += suppressed - resends
    with memory_db.connect() as conn:
        dup_customers = conn.execute(sa.text(
            "SELECT count(*) FROM (SELECT rep_id, key FROM mem_customers GROUP BY rep_id, key HAVING count(*) > 1) d"
        )).scalar() or 0
        dup_reps = conn.execute(sa.text(
            "SELECT count(*) FROM (SELECT channel, sender_id FROM mem_reps GROUP BY 1, 2 HAVING count(*) > 1) d"
        )).scalar() or 0
    tracker_db.dispose()
    memory_db.dispose()
    print(f"loadtest: duplicates in trackers {dup_tracker}, extra WeCom replies delivered {dup_replies}, "
          f"WeCom resends dropped by the duplicate check {suppressed_resends}, identical answers dropped by it "
          f"{suppressed_repeats}", file=sys.stderr)
    return {"lost": lost, "duplicated": dup_tracker + dup_replies, "reordered": reordered,
            "duplicate_customers": int(dup_customers) + int(dup_reps),
            "wecom_resends_suppressed": suppressed_resends, "wecom_repeats_suppressed": suppressed_repeats}


def main() -> int:
    # the cluster serves REST only with a token (make server's rule); the virtual reps send it
    os.environ.setdefault("KEQING_REST_TOKEN", secrets.token_urlsafe(24))
    api_port = free_port()
    server = WSGIServer(("127.0.0.1", api_port), API, log=None)
    server.start()
    cluster = Cluster()
    print("loadtest: starting the cluster (2 Rasa + 2 action servers) with the WeCom channel on", file=sys.stderr)
    cluster.stop()
    t0 = time.monotonic()
    try:
        cluster.start(2, 2, os.environ.get("KEQING_CLUSTER_MODEL"), wecom.channel_env(f"http://127.0.0.1:{api_port}"))
        print(f"loadtest: cluster ready in {time.monotonic() - t0:.0f}s at {cluster.base_url}", file=sys.stderr)
        results: Dict[str, Any] = {}
        for replicas in (1, 2):
            cluster.scale(replicas)
            print(f"loadtest: {REST_REPS} REST + {WECOM_REPS} WeCom reps, {replicas} replica(s), {SECONDS:.0f}s",
                  file=sys.stderr)
            results[str(replicas)] = run_phase(cluster, f"{replicas} replicas", SECONDS)
        print("loadtest: 2 replicas, one killed mid-run", file=sys.stderr)
        results["failover"] = run_phase(cluster, "failover", SECONDS, kill_at=SECONDS / 3)
        # messages the dead replica had queued are taken over when its leases expire
        gevent.sleep(2)
        checks = check(cluster)
        failover_lost = sum(1 for sent in LEDGER.sent.values() for m in sent
                            if m.phase == "failover" and m.channel == "wecom" and m.accepted and not m.answered)
    finally:
        cluster.stop()
        server.stop()
    for name, r in results.items():
        print(f"{name:>9}: {r['turns']} turns, {r['turns_per_s']} turns/s, p50 {r['p50_ms']} ms, "
              f"p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms, {r['failed_requests']} failed requests")
    print(f"   checks: lost {checks['lost']}, duplicated {checks['duplicated']} (delivered to a rep twice), "
          f"reordered {checks['reordered']}, duplicate customers {checks['duplicate_customers']}; "
          f"rejected (not accepted) sends {LEDGER.errors}")
    print(f" failover: WeCom lost {failover_lost}; WeCom sends dropped by its duplicate check in this phase "
          f"{API.suppressed_in['failover']}; over the run: resent reply parts dropped "
          f"{checks['wecom_resends_suppressed']}, identical answers dropped {checks['wecom_repeats_suppressed']}, "
          f"identical answers delivered (sent without the check) {API.answers['repeats_delivered']}; answers sent "
          f"with the check {API.answers['flagged']}, without {API.answers['unflagged']}")
    summary = {
        **checks,
        "failover_wecom_lost": failover_lost,
        "failover_wecom_suppressed": API.suppressed_in["failover"],
        "wecom_repeats_delivered": API.answers["repeats_delivered"],
        "wecom_answers_flagged": API.answers["flagged"],
        "wecom_answers_unflagged": API.answers["unflagged"],
        "turns_per_s": {k: results[k]["turns_per_s"] for k in ("1", "2")},
        "p95_ms": {k: results[k]["p95_ms"] for k in ("1", "2")},
        "phases": results,
        "messages": sum(len(v) for v in LEDGER.sent.values()),
    }
    print(json.dumps(summary, ensure_ascii=False))
    bad = (checks["lost"] + checks["duplicated"] + checks["reordered"] + checks["duplicate_customers"] + failover_lost
           + checks["wecom_repeats_suppressed"])  # a repeat the rep asked for, silenced by the check
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
