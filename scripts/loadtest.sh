#!/usr/bin/env bash
# make loadtest: Locust against a loopback cluster (1 vs 2 replicas, then one killed mid-run), then the
# correctness checks. Restarts the cluster with the WeCom channel on a fake WeCom API, stops it at the end.
# Last line: one JSON object (shared/interfaces.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/system-deps.sh
exec .venv/bin/python loadtest/run.py
