#!/usr/bin/env bash
# make eval-nlu: the held-out evaluation of the product's model against two baselines on the same
# split (the cue lexicon alone; Rasa's default pipeline trained on the same data) -> docs/evaluation.md
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
model=$(bash scripts/train.sh | tail -1)
fp=$( { cat scripts/baseline-config.yml; bash scripts/fingerprint.sh; } | sha256sum | cut -c1-12)
baseline="models/baseline/baseline-$fp.tar.gz"
if [ ! -f "$baseline" ]; then
  echo "eval-nlu: training the baseline $baseline" >&2
  .venv/bin/rasa train nlu --config scripts/baseline-config.yml --nlu data/nlu \
    --out models/baseline --fixed-model-name "baseline-$fp" >&2
fi
.venv/bin/python -m keqing eval-nlu --model "$model" --baseline-model "$baseline" --lexicon-baseline \
  --out docs/evaluation.md --check
