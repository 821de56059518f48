#!/usr/bin/env bash
# Trains into models/ unless a model built from exactly the current inputs exists (fingerprint in
# its name). Prints the model path on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
fp=$(bash scripts/fingerprint.sh)
model="models/keqing-$fp.tar.gz"
if [ -f "$model" ] && [ "${1:-}" != "--force" ]; then
  echo "train: reusing $model (inputs unchanged)" >&2
else
  echo "train: training $model" >&2
  start=$(date +%s)
  .venv/bin/rasa train --config config.yml --domain domain.yml \
    --data data --out models --fixed-model-name "keqing-$fp" >&2
  echo "train: done in $(( $(date +%s) - start ))s, $(du -h "$model" | cut -f1)" >&2
fi
echo "$model"
