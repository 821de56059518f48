#!/usr/bin/env bash
# make run: train if needed, start the action server in the background, open rasa shell; stop the
# action server when the shell exits (however it exits).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/actions.sh
model=$(bash scripts/model.sh | tail -1)
.venv/bin/python -m keqing endpoints --write var/endpoints.runtime.yml
trap stop_action_server EXIT INT TERM
start_action_server
echo "客情参谋已就绪(模型 $model)。输入 /stop 退出。"
.venv/bin/rasa shell --model "$model" --endpoints var/endpoints.runtime.yml --conversation-id "${KEQING_REP:-${USER:-rep}}" 2> >(grep -v -E 'tensorflow|oneDNN|cuda|TensorRT|rebuild TensorFlow|AVX' >&2)
