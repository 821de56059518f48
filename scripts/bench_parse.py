"""Benchmark (not a test): median `/model/parse` latency of the product's pipeline vs. Rasa's default
pipeline, both served by `rasa run --enable-api` in turn on this machine, over the held-out texts.

    make bench            # or: .venv/bin/python scripts/bench_parse.py [--rounds 3]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from keqing.learn.evaluation import load_heldout  # noqa: E402


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, payload: dict) -> None:
    req = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()


def measure(model: str, texts, rounds: int) -> list:
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="bench-", suffix=".log", delete=False)
    proc = subprocess.Popen([str(ROOT / ".venv/bin/rasa"), "run", "--enable-api", "--port", str(port),
                             "--interface", "127.0.0.1", "--model", model], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/status", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit(f"rasa run exited; see {log.name}") from None
                time.sleep(0.5)
        for t in texts[:20]:  # warm-up
            _post(f"{base}/model/parse", {"text": t})
        times = []
        for _ in range(rounds):
            for t in texts:
                start = time.perf_counter()
                _post(f"{base}/model/parse", {"text": t})
                times.append((time.perf_counter() - start) * 1000)
        return times
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    model = subprocess.check_output(["bash", "scripts/train.sh"], cwd=ROOT, text=True).strip().splitlines()[-1]
    baseline = subprocess.check_output(["bash", "scripts/baseline.sh"], cwd=ROOT, text=True).strip().splitlines()[-1]
    texts = [e.text for e in load_heldout(ROOT / "tests" / "nlu")]
    ours = measure(str(ROOT / model), texts, args.rounds)
    base = measure(str(ROOT / baseline), texts, args.rounds)
    m_ours, m_base = statistics.median(ours), statistics.median(base)
    p95 = lambda xs: sorted(xs)[int(len(xs) * 0.95)]  # noqa: E731
    print(f"texts: {len(texts)} x {args.rounds} rounds, one server at a time")
    print(f"客情参谋 pipeline   median {m_ours:.1f} ms   p95 {p95(ours):.1f} ms   ({Path(model).name})")
    print(f"default pipeline   median {m_base:.1f} ms   p95 {p95(base):.1f} ms   ({Path(baseline).name})")
    print(f"ratio (ours / default, median): {m_ours / m_base:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
