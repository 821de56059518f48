"""Turn latency as one conversation grows: turn 10 vs turn 300, Rasa's SQL tracker store vs KeqingTrackerStore.

    .venv/bin/python scripts/bench_turns.py [--turns 300] [--model models/….tar.gz] [--store sql|keqing|both]

For each store: a Rasa server and an action server on free loopback ports with a fresh SQLite tracker store
and database; one rep sends `--turns` messages (the rep conversations of tests/conversations, cycled) and
the REST round trip of each is timed. Reported: the median of turns 6-15 ("turn 10") and of the last ten
turns ("turn 300"), and their ratio. A benchmark, not a test: the numbers go in docs/deploy.md.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Dict, List

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from cluster import answers, free_port  # noqa: E402

STORES = {"sql": "SQL", "keqing": "stores.tracker_store.KeqingTrackerStore"}


def lines() -> List[str]:
    data = yaml.safe_load((ROOT / "tests" / "conversations" / "conversations.yml").read_text(encoding="utf-8"))
    return [t["user"] for c in data["conversations"] for t in c["turns"] if isinstance(t.get("user"), str)]


def say(base: str, sender: str, text: str) -> float:
    body = json.dumps({"sender": sender, "message": text}).encode()
    req = urllib.request.Request(f"{base}/webhooks/rest/webhook", data=body,
                                 headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as res:
        res.read()
    return (time.perf_counter() - started) * 1000


def bench(store: str, model: Path, turns: int) -> Dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix=f"keqing-bench-{store}-"))
    action_port, port = free_port(), free_port()
    tracker = f"sqlite:///{work / 'tracker.db'}"
    extra = f"  url: {tracker}\n" if store == "sql" else ""
    (work / "endpoints.yml").write_text(f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n"
                                        f"tracker_store:\n  type: {STORES[store]}\n{extra}", encoding="utf-8")
    env = dict(os.environ, KEQING_DB_URL=f"sqlite:///{work / 'keqing.db'}", KEQING_TRACKER_URL=tracker,
               PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false", NO_PROXY="127.0.0.1")
    env.pop("KEQING_REDIS_URL", None)
    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "keqing", "kb", "load"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    procs = [subprocess.Popen([str(ROOT / ".venv/bin/rasa"), "run", "actions", "--actions", "actions", "--port",
                               str(action_port)], cwd=ROOT, env=env, stdout=open(work / "actions.log", "wb"),
                              stderr=subprocess.STDOUT),
             subprocess.Popen([str(ROOT / ".venv/bin/rasa"), "run", "--interface", "127.0.0.1", "--port", str(port),
                               "--model", str(model), "--endpoints", str(work / "endpoints.yml")], cwd=ROOT, env=env,
                              stdout=open(work / "rasa.log", "wb"), stderr=subprocess.STDOUT)]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 400
        while not answers(f"{base}/") and time.monotonic() < deadline:
            time.sleep(0.5)
        texts = lines()
        times = [say(base, "bench-rep", texts[i % len(texts)]) for i in range(turns)]
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=30)
    early = statistics.median(times[5:15])
    late = statistics.median(times[-10:])
    return {"turn_10_ms": round(early, 1), f"turn_{turns}_ms": round(late, 1), "ratio": round(late / early, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--model", default=os.environ.get("KEQING_TEST_MODEL"))
    parser.add_argument("--store", choices=["sql", "keqing", "both"], default="both")
    args = parser.parse_args()
    model = Path(args.model) if args.model else Path(subprocess.run(
        ["bash", "scripts/model.sh"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()[-1])
    out = {}
    for store in (["sql", "keqing"] if args.store == "both" else [args.store]):
        out[store] = bench(store, model, args.turns)
        print(f"{store:>7}: {out[store]}", file=sys.stderr)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
