#!/usr/bin/env bash
# Set up (if needed) and start Viva on its bundled models. Extra args go to `viva`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
if [ $# -eq 0 ]; then set -- demo; fi
exec .venv/bin/viva "$@"
