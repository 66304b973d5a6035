#!/usr/bin/env bash
# One command: install, build the Ogan Ilir demo operation on SQLite, and run the worker (scheduler: the feeds from the
# demo source, the daily briefing, briefings asked for from the page) and the dashboard together. Ctrl-C or SIGTERM
# stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m ops init --demo
export OPS_DEMO=1
.venv/bin/python -m ops worker &
worker=$!
.venv/bin/python -m streamlit run app.py "$@" &
server=$!
stop() {
  trap - INT TERM EXIT
  kill -TERM "$worker" "$server" 2>/dev/null || true
  wait "$worker" "$server" 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT
# Whichever ends first (the server closed, the worker failed) ends the other as well.
wait -n "$worker" "$server" || true
