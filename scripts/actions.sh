# Sourced: start_action_server / stop_action_server for run.sh, server.sh and test.sh.
ACTION_PID=""
start_action_server() {
  local log="${KEQING_RUNTIME_DIR:-var}/action-server.log"
  # only Rasa on this host calls it, and it has no authentication: loopback unless KEQING_ACTION_HOST says otherwise
  SANIC_HOST="${KEQING_ACTION_HOST:-127.0.0.1}" .venv/bin/rasa run actions --actions actions --port "$KEQING_ACTION_PORT" >"$log" 2>&1 &
  ACTION_PID=$!
  for _ in $(seq 1 120); do
    if .venv/bin/python - "$KEQING_ACTION_PORT" <<'PY' 2>/dev/null; then return 0; fi
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=1)
PY
    if ! kill -0 "$ACTION_PID" 2>/dev/null; then
      echo "action server failed to start; see $log" >&2; tail -20 "$log" >&2; return 1
    fi
    sleep 0.5
  done
  echo "action server did not answer on port $KEQING_ACTION_PORT; see $log" >&2
  return 1
}
stop_action_server() {
  if [ -n "$ACTION_PID" ] && kill -0 "$ACTION_PID" 2>/dev/null; then
    kill "$ACTION_PID" 2>/dev/null; wait "$ACTION_PID" 2>/dev/null || true
  fi
  ACTION_PID=""
}
