# Sourced by the scripts: the project's environment, with the defaults of shared/interfaces.md.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export KEQING_DB_URL="${KEQING_DB_URL:-sqlite:///$ROOT/var/keqing.db}"
export KEQING_TRACKER_URL="${KEQING_TRACKER_URL:-sqlite:///$ROOT/var/tracker.db}"
export KEQING_ACTION_PORT="${KEQING_ACTION_PORT:-5055}"
export RASA_TELEMETRY_ENABLED=false
export TF_CPP_MIN_LOG_LEVEL=2
export TF_ENABLE_ONEDNN_OPTS=0
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::DeprecationWarning}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1
mkdir -p "$ROOT/var" "$ROOT/models"
