#!/usr/bin/env bash
# Stop the polling worker(s) of this checkout:
#
#   bash deployment/stop_polling_worker.sh            every profile started from this checkout
#   bash deployment/stop_polling_worker.sh PROFILE    that profile only
#
# SIGTERM lets the worker finish its current call; batch jobs keep running on the cluster and
# a restarted worker re-attaches to them. A worker still there after 60 s gets SIGKILL.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run_dir="${MOLYTE_RUN_DIR:-$here/run}"
profile="${1:-}"
if [[ -n "$profile" && ! "$profile" =~ ^[A-Za-z0-9_.-]+$ ]]; then
    echo "profile may contain only letters, digits, _ . -" >&2
    exit 2
fi

# is_worker PID: the process exists and is a polling worker (not a reused pid).
is_worker() {
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q polling_worker
}

stop_one() {
    local pid_file="$1" name pid
    name="$(basename "$pid_file" .pid)"
    pid="$(tr -dc '0-9' <"$pid_file")"
    if [[ -n "$pid" ]] && is_worker "$pid"; then
        kill -TERM "$pid"
        for _ in $(seq 1 120); do is_worker "$pid" || break; sleep 0.5; done
        if is_worker "$pid"; then
            echo "$name (pid $pid) did not stop in 60 s; sending KILL"
            kill -KILL "$pid"
        fi
        echo "$name stopped (pid $pid)"
    else
        echo "$name was not running"
    fi
    rm -f "$pid_file"
}

shopt -s nullglob
if [[ -n "$profile" ]]; then
    files=("$run_dir/polling_worker_${profile}.pid")
    [[ -f "${files[0]}" ]] || { echo "polling worker $profile is not running (no pid file)"; exit 0; }
else
    files=("$run_dir"/polling_worker_*.pid)
fi
if (( ${#files[@]} == 0 )); then
    echo "no polling worker of this checkout is running"
    exit 0
fi
for f in "${files[@]}"; do
    stop_one "$f"
done
