#!/usr/bin/env bash
# Kept for workers set up with Molyte's first scripts: the same as
# `bash deployment/stop_polling_worker.sh [PROFILE]`, with the pid files in deploy/run/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export MOLYTE_RUN_DIR="${MOLYTE_RUN_DIR:-$here/run}"
exec bash "$here/../deployment/stop_polling_worker.sh" "$@"
