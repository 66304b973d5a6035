#!/usr/bin/env bash
# One machine, no docker: the worker and two dashboard servers (ports 8501 and 8502) on one PostgreSQL database,
# read from the same env file as the systemd units (deploy/systemd/posko.env.example, installed as /etc/posko/posko.env).
#
#   bash deploy/run-local.sh [ENV_FILE] [-- INIT_ARGS…]     e.g.  bash deploy/run-local.sh posko.env -- --demo
#
# It first runs `python -m ops init INIT_ARGS…` (create or upgrade the schema; --demo builds the demo operation), then
# starts the three processes; Ctrl-C or SIGTERM stops them all, and so does any one of them ending. Put a load balancer
# that passes WebSockets in front of the two ports (deploy/nginx.conf), or open either port directly.
# PORTS="8501 8502 8503" runs more servers; a second worker on another machine stands by for the lease.
set -euo pipefail
cd "$(dirname "$0")/.."
env_file=/etc/posko/posko.env
if [ $# -gt 0 ] && [ "$1" != "--" ]; then env_file=$1; shift; fi
[ "${1:-}" = "--" ] && shift
[ -r "$env_file" ] || { echo "run-local.sh: no env file $env_file (copy deploy/systemd/posko.env.example)" >&2; exit 2; }
# Read as systemd's EnvironmentFile reads it, not as shell: KEY=value a line, # comments, the value taken as written
# (one pair of enclosing quotes removed), so JSON lists and a password with $ or ; in it arrive unchanged.
while IFS= read -r line || [ -n "$line" ]; do
  line=${line%$'\r'}
  case $line in '' | '#'* | ';'*) continue ;; esac
  key=${line%%=*} value=${line#*=}
  key=${key#"${key%%[![:space:]]*}"} value=${value#"${value%%[![:space:]]*}"}  # blanks around both trimmed
  key=${key%"${key##*[![:space:]]}"} value=${value%"${value##*[![:space:]]}"}
  [[ $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ && $line == *=* ]] || { echo "run-local.sh: $env_file: not KEY=value: $line" >&2; exit 2; }
  if [[ ${#value} -ge 2 && ( $value == \"*\" || $value == \'*\' ) ]]; then value=${value:1:${#value}-2}; fi
  export "$key=$value"
done <"$env_file"
case "${OPS_DATABASE_URL:-}" in
  postgresql*) ;;
  *) echo "run-local.sh: OPS_DATABASE_URL in $env_file must name a PostgreSQL database (postgresql+psycopg://…)" >&2
     exit 2 ;;
esac
export OPS_RUN_SCHEDULER_IN_APP=false  # the servers only read; the worker is the scheduler's home
python=${PYTHON:-.venv/bin/python}
"$python" -m ops init "$@"

pids=()
stop() {
  trap - INT TERM EXIT
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT
"$python" -m ops worker &
pids+=($!)
for port in ${PORTS:-8501 8502}; do
  "$python" -m streamlit run app.py --server.port "$port" --server.headless true &
  pids+=($!)
done
echo "run-local.sh: worker ${pids[0]} and dashboards on ports ${PORTS:-8501 8502} (Ctrl-C stops all)" >&2
# Whichever ends first (a server closed, the worker failed) ends the others as well.
wait -n "${pids[@]}" || true
