#!/usr/bin/env bash
# One command: install everything the tests need (Python packages; Debian's Chromium when root) and run them all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  # Browser tests and briefing charts (kaleido) use the system Chromium; no browser download is needed.
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils) >/dev/null
fi
exec .venv/bin/python -m pytest "$@"
