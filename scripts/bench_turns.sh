#!/usr/bin/env bash
# make bench-turns: turn latency at turn 10 vs turn 300 of one conversation (scripts/bench_turns.py).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
exec .venv/bin/python scripts/bench_turns.py "$@"
