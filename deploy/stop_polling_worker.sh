#!/usr/bin/env bash
# Stop the polling worker of a profile (SIGTERM: it finishes its current call; Slurm jobs keep
# running and are re-attached on the next start):  deploy/stop_polling_worker.sh PROFILE
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
profile="${1:?usage: $0 PROFILE}"
run_dir="${MOLYTE_RUN_DIR:-$here/run}"
pid_file="$run_dir/worker-${profile}.pid"
if [ ! -f "$pid_file" ]; then echo "worker $profile is not running (no pid file)"; exit 0; fi
pid="$(cat "$pid_file")"
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then echo "worker $pid did not stop in 60 s; sending KILL"; kill -KILL "$pid"; fi
fi
rm -f "$pid_file"
echo "worker $profile stopped"
