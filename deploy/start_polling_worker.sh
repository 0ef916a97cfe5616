#!/usr/bin/env bash
# Kept for workers set up with Molyte's first scripts: the same as
# `bash deployment/start_polling_worker.sh PROFILE`, with that setup's files (config
# deploy/polling_worker_config_PROFILE.yaml, pid file in deploy/run/, log
# deploy/run/worker-PROFILE.out). New setups use deployment/ directly.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
profile="${1:-}"
if [[ ! "$profile" =~ ^[A-Za-z0-9_.-]+$ ]]; then
    echo "usage: $0 PROFILE (letters, digits, _ . -)" >&2
    exit 2
fi
export MOLYTE_WORKER_CONFIG="${MOLYTE_WORKER_CONFIG:-$here/polling_worker_config_${profile}.yaml}"
export MOLYTE_RUN_DIR="${MOLYTE_RUN_DIR:-$here/run}"
export MOLYTE_WORKER_STDOUT_LOG="${MOLYTE_WORKER_STDOUT_LOG:-$MOLYTE_RUN_DIR/worker-${profile}.out}"
exec bash "$here/../deployment/start_polling_worker.sh" "$profile"
