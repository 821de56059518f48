#!/usr/bin/env bash
# Prints the model to serve. A model promoted by the gated retrain (models/current) wins; otherwise
# the model built from the current inputs, trained now if there is none.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if [ -f models/current ] && m=$(.venv/bin/python -m keqing model current 2>/dev/null) && [ -f "$m" ]; then
  fp=$(bash scripts/fingerprint.sh)
  [ "$(basename "$m")" = "keqing-$fp.tar.gz" ] || \
    echo "model: serving the promoted $m; data or config changed since, run 'make retrain' to update it" >&2
  echo "$m"
else
  bash scripts/train.sh | tail -1
fi
