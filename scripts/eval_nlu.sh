#!/usr/bin/env bash
# make eval-nlu: the held-out evaluation of the product's model against two baselines on the same
# split (the cue lexicon alone; Rasa's default pipeline trained on the same data) -> docs/evaluation.md
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
model=$(bash scripts/train.sh | tail -1)
baseline=$(bash scripts/baseline.sh | tail -1)
.venv/bin/python -m keqing eval-nlu --model "$model" --baseline-model "$baseline" --lexicon-baseline \
  --out docs/evaluation.md --check
