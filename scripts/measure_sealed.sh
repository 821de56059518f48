#!/usr/bin/env bash
# Measures a model once on the sealed sets (tests/sealed/, see tests/WRITERS.md): E4 descriptions and texts
# about no person, E5 intents and compliance requests, E6 conversations. Not part of make test.
#   bash scripts/measure_sealed.sh models/keqing-<fp>.tar.gz
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
model=$(realpath "${1:?usage: measure_sealed.sh <model.tar.gz>}")
heldout=$(mktemp -d)
trap 'rm -rf "$heldout"' EXIT
cp tests/sealed/E4/descriptions.yml tests/sealed/E4/no_person.yml tests/sealed/E5/intents.yml "$heldout/"
echo "== E4 + E5 (NLU, intents, compliance)"
.venv/bin/python -m keqing eval-nlu --model "$model" --heldout "$heldout" \
  --compliance tests/sealed/E5/requests.yml --check || true
echo "== E6 (conversations)"
KEQING_TEST_MODEL="$model" KEQING_CONVERSATIONS="$ROOT/tests/sealed/E6/conversations.yml" \
  .venv/bin/pytest -q -p no:cacheprovider tests/server/test_conversations.py -rf || true
