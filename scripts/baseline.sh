#!/usr/bin/env bash
# Prints the path of the baseline model (Rasa's default pipeline, scripts/baseline-config.yml, trained
# on the same NLU data), training it first if no baseline for the current data exists.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
fp=$( { cat scripts/baseline-config.yml; find data -name 'nlu*.yml' | LC_ALL=C sort | xargs cat; } | sha256sum | cut -c1-12)
baseline="models/baseline/baseline-$fp.tar.gz"
if [ ! -f "$baseline" ]; then
  echo "baseline: training $baseline" >&2
  .venv/bin/rasa train nlu --config scripts/baseline-config.yml --nlu data/nlu \
    --out models/baseline --fixed-model-name "baseline-$fp" >&2
fi
echo "$baseline"
