#!/usr/bin/env bash
# make server: rasa run with the channels whose credentials are set, plus the action server.
#   KEQING_API_TOKEN   the HTTP API (--enable-api) is on only with it, and every API call must carry it;
#                      without it the API is off and only the channel webhooks are served.
#   KEQING_REST_TOKEN  the REST channel is on only with it (Authorization: Bearer <token>).
#   KEQING_MODEL       serve this model archive instead of the one scripts/model.sh picks (or trains).
#   KEQING_RUNTIME_DIR where the generated endpoints/credentials files and the action server log go (var).
#   KEQING_INTERFACE   the address to listen on (0.0.0.0).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/actions.sh
runtime="${KEQING_RUNTIME_DIR:-var}"
mkdir -p "$runtime"
model="${KEQING_MODEL:-$(bash scripts/model.sh | tail -1)}"
.venv/bin/python -m keqing kb migrate >/dev/null
.venv/bin/python -m keqing endpoints --write "$runtime/endpoints.runtime.yml"
.venv/bin/python -m keqing channels --write "$runtime/credentials.runtime.yml"
api=()
if [ -n "${KEQING_API_TOKEN:-}" ]; then
  api=(--enable-api --auth-token "$KEQING_API_TOKEN")
else
  echo "server: HTTP API 已关闭 (未设置 KEQING_API_TOKEN); 只提供渠道 webhook" >&2
fi
trap stop_action_server EXIT INT TERM
start_action_server
.venv/bin/rasa run "${api[@]}" --model "$model" --endpoints "$runtime/endpoints.runtime.yml" \
  --credentials "$runtime/credentials.runtime.yml" --port "${KEQING_PORT:-5005}" \
  --interface "${KEQING_INTERFACE:-0.0.0.0}"
