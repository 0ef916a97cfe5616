#!/usr/bin/env bash
# A real single-node Grid Engine (Son of Grid Engine 8.1, Debian's gridengine-* packages) for tests.
#
#   scripts/sge.sh start    install what is missing, configure once, start qmaster and execd
#   scripts/sge.sh stop     stop the daemons this script started (by PID), nothing else
#   scripts/sge.sh status   say what runs; exit 0 when the queue takes jobs, 3 otherwise
#
# Needs root (it installs Debian packages and configures the cell). Never reads stdin.
# PIDs of the daemons it started are kept in $MOLYTE_SERVICES_DIR/sge (default .services/sge).
# Clients need SGE_ROOT=/var/lib/gridengine and SGE_CELL=default (Debian's defaults).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
STATE="${MOLYTE_SERVICES_DIR:-$ROOT/.services}/sge"
PACKAGES=(gridengine-master gridengine-exec gridengine-client gridengine-common)
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default DEBIAN_FRONTEND=noninteractive
COMMON="$SGE_ROOT/$SGE_CELL/common"
HOST="$(hostname)"
EXECD_PIDFILE=/var/run/gridengine/execd.pid
REPORTING_PARAMS="accounting=true reporting=false flush_time=00:00:15 joblog=false sharelog=00:00:00 accounting_flush_time=00:00:00"

log() { printf 'sge.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# A command that fails under `set -e` says which one it was, instead of ending the script silently.
trap 'log "error: line $LINENO: \"$BASH_COMMAND\" failed (qmaster log: /var/spool/gridengine/qmaster/messages)"' ERR

# run_qconf WHAT COMMAND...: run a qconf change; on failure show what qconf printed and stop.
run_qconf() {
    local what="$1" out
    shift
    out="$("$@" 2>&1)" || die "qconf could not change $what: $out"
}

# alive PID NAME: the process PID exists and is the program NAME (guards against PID reuse).
alive() {
    local pid="$1" name="$2"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$name" ]]
}

# wait_for SECONDS COMMAND...: retry COMMAND every 0.2 s until it succeeds or time runs out.
wait_for() {
    local limit=$(( $1 * 5 )) i=0
    shift
    until "$@" >/dev/null 2>&1; do
        i=$(( i + 1 ))
        (( i < limit )) || return 1
        sleep 0.2
    done
}

qmaster_pid() { pgrep -x sge_qmaster | head -1 || true; }
execd_pid() { pgrep -x sge_execd | head -1 || true; }

# settled_pid NAME: the PID of the daemon NAME once it has forked into the background (the
# starting process exits after the fork, so the first PID seen may be gone a moment later).
settled_pid() {
    local first second i
    for i in $(seq 1 50); do
        first="$(pgrep -x "$1" || true)"
        sleep 0.2
        second="$(pgrep -x "$1" || true)"
        if [[ -n "$first" && "$first" == "$second" && "$first" =~ ^[0-9]+$ ]]; then
            echo "$first"
            return 0
        fi
    done
    return 1
}

install_missing() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$p")
    done
    (( ${#missing[@]} == 0 )) && return 0
    log "installing ${missing[*]}"
    # The packages ask debconf for the cell and the master host; the master has no default.
    for p in "${PACKAGES[@]}"; do
        printf '%s shared/gridenginemaster string %s\n%s shared/gridenginecell string default\n%s shared/gridengineconfig boolean true\n' \
            "$p" "$HOST" "$p" "$p"
    done | debconf-set-selections
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The host name resolves to 127.0.0.1, which resolves back to `localhost`: without an alias
# qmaster refuses every client ("client IP resolved to host name localhost").
write_cell_files() {
    echo "$HOST localhost" >"$COMMON/host_aliases"
    echo "$HOST" >"$COMMON/act_qmaster"
    chown sgeadmin:sgeadmin "$COMMON/host_aliases" "$COMMON/act_qmaster"
}

# configure: once per cell (qmaster keeps it in its spool): hosts, the `smp` parallel
# environment, the all.q queue, and the global settings tests rely on.
configure() {
    local tmp
    tmp="$(mktemp -d)"
    qconf -sh 2>/dev/null | grep -qx "$HOST" || qconf -ah "$HOST" >/dev/null
    qconf -ss 2>/dev/null | grep -qx "$HOST" || qconf -as "$HOST" >/dev/null
    # Root's jobs: Debian's min_uid 1000 would accept them at qsub and refuse them on the node.
    # Accounting flushed at once, so `qacct -j` knows a job as soon as it ends. reporting_params
    # is written whole (it may span continuation lines), so a second start writes the same value
    # (an edit in place once doubled the line on every start, until qconf choked on it).
    qconf -sconf global | awk -v params="$REPORTING_PARAMS" '
        skip && /\\$/ { next }
        skip { skip = 0; next }
        $1 == "reporting_params" { print "reporting_params " params; skip = /\\$/; next }
        $1 == "min_uid" { print "min_uid 0"; next }
        $1 == "min_gid" { print "min_gid 0"; next }
        { print }' >"$tmp/global"
    grep -qx "reporting_params $REPORTING_PARAMS" "$tmp/global" || die "could not set reporting_params"
    run_qconf "the global configuration" bash -c "cd '$tmp' && qconf -Mconf global"
    qconf -ssconf | sed -e 's/^schedule_interval .*/schedule_interval 0:0:1/' >"$tmp/sched"
    run_qconf "the scheduler configuration" qconf -Msconf "$tmp/sched"
    if ! qconf -sel 2>/dev/null | grep -qx "$HOST"; then
        printf 'hostname %s\nload_scaling NONE\ncomplex_values NONE\nuser_lists NONE\nxuser_lists NONE\nprojects NONE\nxprojects NONE\nusage_scaling NONE\nreport_variables NONE\n' \
            "$HOST" >"$tmp/exec"
        qconf -Ae "$tmp/exec" >/dev/null
    fi
    if ! qconf -shgrpl 2>/dev/null | grep -qx '@allhosts'; then
        printf 'group_name @allhosts\nhostlist %s\n' "$HOST" >"$tmp/hg"
        qconf -Ahgrp "$tmp/hg" >/dev/null
    fi
    if ! qconf -spl 2>/dev/null | grep -qx smp; then
        printf 'pe_name smp\nslots 9999\nuser_lists NONE\nxuser_lists NONE\nstart_proc_args /bin/true\nstop_proc_args /bin/true\nallocation_rule $pe_slots\ncontrol_slaves FALSE\njob_is_first_task TRUE\nurgency_slots min\naccounting_summary FALSE\nqsort_args NONE\n' \
            >"$tmp/pe"
        qconf -Ap "$tmp/pe" >/dev/null
    fi
    if ! qconf -sql 2>/dev/null | grep -qx all.q; then
        # No load thresholds: on a shared test machine the load alone would put the queue in
        # alarm and nothing would start.
        qconf -sq | sed -e 's/^qname .*/qname all.q/' -e 's/^hostlist .*/hostlist @allhosts/' \
            -e "s/^slots .*/slots $(nproc)/" -e 's/^pe_list .*/pe_list smp/' \
            -e 's#^shell .*#shell /bin/bash#' -e 's/^load_thresholds .*/load_thresholds NONE/' \
            >"$tmp/queue"
        qconf -Aq "$tmp/queue" >/dev/null
    fi
    rm -rf "$tmp"
}

queue_ready() {
    # all.q on this host, with no state flags (a = alarm, u = unknown, E = error, d = disabled).
    qstat -f -q all.q 2>/dev/null | awk -v q="all.q@$HOST" '$1 == q && NF == 5 { ok = 1 } END { exit !ok }'
}

start() {
    mkdir -p "$STATE" /var/run/gridengine
    install_missing
    write_cell_files
    if [[ -z "$(qmaster_pid)" ]]; then
        /usr/sbin/sge_qmaster
        wait_for 30 qconf -sh || die "sge_qmaster did not answer (see /var/spool/gridengine/qmaster/messages)"
        settled_pid sge_qmaster >"$STATE/sge_qmaster.pid" || die "sge_qmaster did not settle"
        log "started sge_qmaster (pid $(cat "$STATE/sge_qmaster.pid"))"
    fi
    configure
    if [[ -z "$(execd_pid)" ]]; then
        SGE_EXECD_PIDFILE="$EXECD_PIDFILE" /usr/sbin/sge_execd
        settled_pid sge_execd >"$STATE/sge_execd.pid" || die "sge_execd did not start"
        log "started sge_execd (pid $(cat "$STATE/sge_execd.pid"))"
    fi
    wait_for 60 queue_ready || die "all.q@$HOST does not take jobs: $(qstat -f 2>&1 | tail -3)"
    log "queue all.q@$HOST takes jobs"
}

# stop_one NAME: stop a daemon this script started, and wait until it is gone.
stop_one() {
    local name="$1" pid
    [[ -r "$STATE/$name.pid" ]] || return 0
    pid="$(tr -dc '0-9' <"$STATE/$name.pid")"
    if alive "$pid" "$name"; then
        case "$name" in
            sge_execd) qconf -ke "$HOST" >/dev/null 2>&1 || kill "$pid" ;;
            sge_qmaster) qconf -km >/dev/null 2>&1 || kill "$pid" ;;
        esac
        # qmaster writes its spool before it exits; that takes a few seconds.
        wait_for 30 bash -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null || true
        log "stopped $name (pid $pid)"
    fi
    rm -f "$STATE/$name.pid"
}

stop() {
    stop_one sge_execd
    stop_one sge_qmaster
}

status() {
    local q e
    q="$(qmaster_pid)"; e="$(execd_pid)"
    echo "sge_qmaster: ${q:-not running}"
    echo "sge_execd: ${e:-not running}"
    if queue_ready; then echo "all.q@$HOST: takes jobs"; return 0; fi
    echo "all.q@$HOST: not taking jobs"
    return 3
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
