#!/usr/bin/env bash
# Start the Molyte polling worker in the background for a profile:
#   deploy/start_polling_worker.sh PROFILE
# reads deploy/polling_worker_config_PROFILE.yaml, writes deploy/run/worker-PROFILE.pid and
# logs to deploy/run/worker-PROFILE.out (the worker's own rotating log is `local.log_file`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
profile="${1:?usage: $0 PROFILE}"
if [[ ! "$profile" =~ ^[A-Za-z0-9_.-]+$ ]]; then
  echo "profile may contain only letters, digits, _ . -" >&2; exit 2
fi
config="${MOLYTE_WORKER_CONFIG:-$here/polling_worker_config_${profile}.yaml}"
run_dir="${MOLYTE_RUN_DIR:-$here/run}"
pid_file="$run_dir/worker-${profile}.pid"
out_file="$run_dir/worker-${profile}.out"
molyte="${MOLYTE_BIN:-$(command -v molyte || echo "$here/../.venv/bin/molyte")}"

[ -f "$config" ] || { echo "no config: $config" >&2; exit 2; }
mkdir -p "$run_dir"
if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "worker $profile is already running (pid $(cat "$pid_file"))" >&2
  exit 1
fi
"$molyte" worker --config "$config" --check >>"$out_file" 2>&1 || {
  echo "configuration check failed; see $out_file" >&2; exit 1; }
nohup "$molyte" worker --config "$config" >>"$out_file" 2>&1 </dev/null &
echo $! >"$pid_file"
sleep 1
if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "worker $profile exited at once; see $out_file" >&2
  rm -f "$pid_file"; exit 1
fi
echo "worker $profile started (pid $(cat "$pid_file")); log: $out_file"
