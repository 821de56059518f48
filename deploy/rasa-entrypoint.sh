#!/bin/sh
# Container entry of a Rasa replica: endpoints and channels from the environment, the model pulled from the
# model server (KEQING_MODEL_URL), the HTTP API only with KEQING_API_TOKEN.
set -eu
python -m keqing endpoints --write /tmp/endpoints.yml ${KEQING_MODEL_URL:+--model-url "$KEQING_MODEL_URL" --model-pull-seconds 10}
python -m keqing channels --write /tmp/credentials.yml
set -- rasa run --port 5005 --endpoints /tmp/endpoints.yml --credentials /tmp/credentials.yml
if [ -n "${KEQING_API_TOKEN:-}" ]; then set -- "$@" --enable-api --auth-token "$KEQING_API_TOKEN"; fi
exec "$@"
