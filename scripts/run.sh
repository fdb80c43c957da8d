#!/usr/bin/env bash
# Set up (if needed) and start Viva on its bundled models: the terminal app in a terminal,
# the scripted `viva demo` where there is none (CI, a pipe). Extra args go to `viva`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
if [ $# -eq 0 ] && ! { [ -t 0 ] && [ -t 1 ]; }; then set -- demo; fi
exec .venv/bin/viva "$@"
