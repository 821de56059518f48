#!/usr/bin/env bash
# make server: rasa run with the channels whose credentials are set, plus the action server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/actions.sh
model=$(bash scripts/model.sh | tail -1)
.venv/bin/python -m keqing endpoints --write var/endpoints.runtime.yml
.venv/bin/python -m keqing channels --write var/credentials.runtime.yml
trap stop_action_server EXIT INT TERM
start_action_server
.venv/bin/rasa run --enable-api --model "$model" --endpoints var/endpoints.runtime.yml \
  --credentials var/credentials.runtime.yml --port "${KEQING_PORT:-5005}"
