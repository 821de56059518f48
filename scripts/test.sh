#!/usr/bin/env bash
# make test: every test, non-zero exit on any failure. Order: fast unit tests first, then data
# validation, training (or reuse), tests against running servers, story tests, NLU evaluation.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/system-deps.sh

# Story tests and server tests use their own databases, never the rep's.
export KEQING_DB_URL="sqlite:///$ROOT/var/test-keqing.db"
export KEQING_TRACKER_URL="sqlite:///$ROOT/var/test-tracker.db"
rm -f var/test-keqing.db var/test-tracker.db

t0=$(date +%s)
section() { echo; echo "==== $* ($(( $(date +%s) - t0 ))s)"; }

section "lint: ruff and mypy"
.venv/bin/ruff check .
.venv/bin/mypy

section "pytest: unit tests (no model needed)"
.venv/bin/pytest -q -m "not server" -p no:cacheprovider

section "rasa data validate"
.venv/bin/rasa data validate --fail-on-warnings --domain domain.yml --data data

section "train (or reuse a model built from identical inputs)"
model=$(bash scripts/train.sh | tail -1)
export KEQING_TEST_MODEL="$ROOT/$model"

section "pytest: tests against running Rasa and action servers"
.venv/bin/pytest -q -m server -p no:cacheprovider

mkdir -p results
section "story tests (tests/stories)"
rm -rf results/stories
.venv/bin/rasa test core --model "$model" --stories tests/stories --out results/stories \
  --no-plot >results/stories.log 2>&1 || { tail -40 results/stories.log; exit 1; }
if ! grep -q "None of the test stories failed" results/stories/failed_test_stories.yml; then
  echo "story tests failed:"; cat results/stories/failed_test_stories.yml; exit 1
fi
echo "all $(grep -rc --include='*.yml' -- '- story:' tests/stories | awk -F: '{s+=$2} END {print s}') test stories passed"

section "NLU evaluation on the held-out set (tests/nlu)"
.venv/bin/python -m keqing eval-nlu --model "$model" --check

section "done in $(( $(date +%s) - t0 ))s"
