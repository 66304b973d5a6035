#!/usr/bin/env bash
# One command: install, build the Ogan Ilir demo operation on SQLite, and open the dashboard with the simulator on.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m ops init --demo
export OPS_DEMO=1
exec .venv/bin/python -m streamlit run app.py "$@"
