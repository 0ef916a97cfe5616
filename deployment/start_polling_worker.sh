#!/usr/bin/env bash
# Start the Molyte polling worker in the background:
#
#   bash deployment/start_polling_worker.sh PROFILE
#
# reads deployment/polling_worker_config_PROFILE.yaml and logs to /tmp/polling_worker_stdout.log
# (the worker rotates that file itself by size: local.log_max_bytes, local.log_backups).
# Runs as whoever starts it; no root needed. Settings from the environment:
#   MOLYTE_WORKER_STDOUT_LOG  the log file (default /tmp/polling_worker_stdout.log)
#   MOLYTE_WORKER_CONFIG      the YAML (default deployment/polling_worker_config_PROFILE.yaml)
#   MOLYTE_RUN_DIR            where the pid file goes (default deployment/run)
#   MOLYTE_PYTHON             the Python that has Molyte installed (default: the checkout's
#                             .venv/bin/python, else python3 on PATH)
# Exit status: 0 started (or already running), 1 it did not start, 2 a usage or config problem.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
profile="${1:-}"
if [[ -z "$profile" ]]; then
    echo "usage: bash deployment/start_polling_worker.sh PROFILE   (reads polling_worker_config_PROFILE.yaml)" >&2
    exit 2
fi
if [[ ! "$profile" =~ ^[A-Za-z0-9_.-]+$ ]]; then
    echo "profile may contain only letters, digits, _ . -" >&2
    exit 2
fi
config="${MOLYTE_WORKER_CONFIG:-$here/polling_worker_config_${profile}.yaml}"
run_dir="${MOLYTE_RUN_DIR:-$here/run}"
log_file="${MOLYTE_WORKER_STDOUT_LOG:-/tmp/polling_worker_stdout.log}"
pid_file="$run_dir/polling_worker_${profile}.pid"
if [[ -n "${MOLYTE_PYTHON:-}" ]]; then
    python="$MOLYTE_PYTHON"
elif [[ -x "$root/.venv/bin/python" ]]; then
    python="$root/.venv/bin/python"
else
    python="$(command -v python3 || true)"
fi

[[ -f "$config" ]] || { echo "no config file: $config (copy deployment/polling_worker_config.example.yaml)" >&2; exit 2; }
[[ -n "$python" && -x "$python" ]] || { echo "no Python found: set MOLYTE_PYTHON" >&2; exit 2; }
mkdir -p "$run_dir" "$(dirname "$log_file")"
touch "$log_file" 2>/dev/null || { echo "cannot write the log $log_file: set MOLYTE_WORKER_STDOUT_LOG" >&2; exit 2; }

# One worker per profile: a pid file whose process is a polling worker means it runs already.
if [[ -f "$pid_file" ]]; then
    old="$(tr -dc '0-9' <"$pid_file")"
    if [[ -n "$old" ]] && tr '\0' ' ' <"/proc/$old/cmdline" 2>/dev/null | grep -q polling_worker; then
        echo "polling worker $profile is already running (pid $old); log: $log_file"
        exit 0
    fi
    rm -f "$pid_file"
fi

# The worker writes its own log lines to the file (and rotates it); anything a crash prints
# before logging starts lands there too.
nohup "$python" "$here/polling_worker.py" --config "$config" --log-file "$log_file" \
    >>"$log_file" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$pid_file"
# A bad token, URL or YAML makes the worker exit within a moment (exit status 2).
for _ in 1 2 3 4 5 6 7 8 9 10; do
    sleep 0.3
    kill -0 "$pid" 2>/dev/null || break
done
if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" && status=0 || status=$?
    rm -f "$pid_file"
    echo "polling worker $profile exited at once (status $status); the reason is at the end of $log_file:" >&2
    tail -n 5 "$log_file" >&2
    exit 1
fi
echo "polling worker $profile started (pid $pid); log: $log_file"
