#!/usr/bin/env bash
# make cluster / make cluster-stop: the scaled-out deployment on loopback (scripts/cluster.py).
# `start` returns once nginx and every replica answer; its last line is the base URL.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/system-deps.sh
exec .venv/bin/python scripts/cluster.py "$@"
