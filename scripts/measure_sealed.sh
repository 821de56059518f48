#!/usr/bin/env bash
# Measures a model once on sealed sets (tests/sealed/, see tests/WRITERS.md). Not part of make test.
#   bash scripts/measure_sealed.sh models/keqing-<fp>.tar.gz [NLU set] [conversation set]
# Defaults: the round-6 sets E9 (descriptions, texts about no person) and E10 (conversations); compliance on E5.
# Round 5: bash scripts/measure_sealed.sh <model> E7 E8
# The earlier rounds: bash scripts/measure_sealed.sh <model> E4 E6
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
model=$(realpath "${1:?usage: measure_sealed.sh <model.tar.gz> [E9] [E10]}")
nlu=${2:-E9}
conv=${3:-E10}
heldout=$(mktemp -d)
trap 'rm -rf "$heldout"' EXIT
cp "tests/sealed/$nlu/descriptions.yml" "tests/sealed/$nlu/no_person.yml" tests/sealed/E5/intents.yml "$heldout/"
echo "== $nlu + E5 (NLU, intents, compliance)"
.venv/bin/python -m keqing eval-nlu --model "$model" --heldout "$heldout" \
  --compliance tests/sealed/E5/requests.yml --check || true
echo "== $conv (conversations)"
KEQING_TEST_MODEL="$model" KEQING_CONVERSATIONS="$ROOT/tests/sealed/$conv/conversations.yml" \
  .venv/bin/pytest -q -p no:cacheprovider tests/server/test_conversations.py -rf || true
