#!/usr/bin/env bash
# A real single-node Slurm (munge, slurmdbd when MariaDB answers, slurmctld, slurmd) for tests.
#
#   scripts/slurm.sh start    install what is missing, start what is not running, wait for idle
#   scripts/slurm.sh stop     stop the daemons this script started (by PID), nothing else
#   scripts/slurm.sh status   say what runs; exit 0 when the node takes jobs, 3 otherwise
#   scripts/slurm.sh restart-ctld [SECONDS]
#                             stop slurmctld alone, wait SECONDS (default 0), start it again
#                             from its saved state: running jobs go on (for fault tests)
#
# Needs root (it installs Debian packages and writes /etc/slurm). Never reads stdin.
# PIDs of the daemons it started are kept in $MOLYTE_SERVICES_DIR/slurm (default .services/slurm).
# MOLYTE_SLURM_ACCOUNTING=auto|yes|no: run slurmdbd (so sacct works) when MariaDB is reachable
# (auto, the default), always (yes: fail if it cannot), or never (no).
set -euo pipefail
# The daemons and this script always use the /etc/slurm/slurm.conf written below.
unset SLURM_CONF

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
STATE="${MOLYTE_SERVICES_DIR:-$ROOT/.services}/slurm"
ACCOUNTING="${MOLYTE_SLURM_ACCOUNTING:-auto}"
DB_NAME="slurm_acct_db"
PACKAGES=(slurm-wlm slurmctld slurmd slurm-client munge)
DBD_PACKAGES=(slurmdbd)
export DEBIAN_FRONTEND=noninteractive

log() { printf 'slurm.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- processes ---------------------------------------------------------------------------------

# alive PID NAME: the process PID exists and is the program NAME (guards against PID reuse).
alive() {
    local pid="$1" name="$2"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [[ -r "/proc/$pid/comm" ]] || return 1
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$name" ]]
}

# pid_of PIDFILE: the PID written in a daemon's own pid file, or nothing.
pid_of() {
    if [[ -r "$1" ]]; then
        tr -dc '0-9' <"$1"
    fi
}

# running NAME PIDFILE: the daemon NAME runs with the PID of its pid file.
running() {
    alive "$(pid_of "$2")" "$1"
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

# record NAME PIDFILE: remember that this script started daemon NAME.
record() {
    local pid
    pid="$(pid_of "$2")"
    alive "$pid" "$1" || die "$1 did not start (see /var/log/slurm or /var/log/munge)"
    echo "$pid" >"$STATE/$1.pid"
    log "started $1 (pid $pid)"
}

# --- installation ------------------------------------------------------------------------------

install_missing() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$p")
    done
    (( ${#missing[@]} == 0 )) && return 0
    log "installing ${missing[*]}"
    # Wait for a dpkg lock another installer holds instead of failing at once.
    local apt=(apt-get -q -o DPkg::Lock::Timeout=300)
    # A fresh machine may have empty package lists: update once, then retry.
    "${apt[@]}" install -y --no-install-recommends "${missing[@]}" </dev/null >/dev/null \
        || { "${apt[@]}" update </dev/null >/dev/null \
             && "${apt[@]}" install -y --no-install-recommends "${missing[@]}" </dev/null >/dev/null; }
}

# --- munge -------------------------------------------------------------------------------------

start_munge() {
    if running munged /run/munge/munged.pid; then
        return 0
    fi
    mkdir -p /etc/munge /run/munge /var/log/munge /var/lib/munge
    if [[ ! -s /etc/munge/munge.key ]]; then
        head -c 1024 /dev/urandom >/etc/munge/munge.key
    fi
    chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
    chmod 0400 /etc/munge/munge.key
    chmod 0700 /etc/munge /var/log/munge /var/lib/munge
    chmod 0755 /run/munge
    runuser -u munge -- /usr/sbin/munged
    wait_for 10 running munged /run/munge/munged.pid || die "munged did not start"
    record munged /run/munge/munged.pid
}

# --- slurmdbd (accounting, for sacct) ----------------------------------------------------------

mariadb_reachable() {
    command -v mysql >/dev/null && mysql -u root -e 'SELECT 1' </dev/null >/dev/null 2>&1
}

# want_accounting: 0 when slurmdbd should run, 1 when Slurm runs without accounting.
want_accounting() {
    case "$ACCOUNTING" in
        no) return 1 ;;
        yes) mariadb_reachable || die "MOLYTE_SLURM_ACCOUNTING=yes but MariaDB does not answer"
             return 0 ;;
        auto) mariadb_reachable ;;
        *) die "MOLYTE_SLURM_ACCOUNTING must be auto, yes or no, not '$ACCOUNTING'" ;;
    esac
}

start_slurmdbd() {
    if running slurmdbd /run/slurmdbd.pid; then
        return 0
    fi
    mysql -u root -e "CREATE DATABASE IF NOT EXISTS $DB_NAME" </dev/null
    sed -e "s/@DB@/$DB_NAME/" "$HERE/slurmdbd.conf.in" >/etc/slurm/slurmdbd.conf
    chmod 0600 /etc/slurm/slurmdbd.conf   # slurmdbd refuses a readable config
    /usr/sbin/slurmdbd
    wait_for 20 sacctmgr -n list cluster || die "slurmdbd does not answer (see /var/log/slurm/slurmdbd.log)"
    record slurmdbd /run/slurmdbd.pid
    if ! sacctmgr -n -P list cluster format=Cluster | grep -qx localcluster; then
        sacctmgr -i add cluster localcluster >/dev/null
    fi
}

# --- slurmctld / slurmd ------------------------------------------------------------------------

write_slurm_conf() {
    local ncpu mem accounting="$1"
    ncpu="$(nproc)"
    mem=$(( $(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo) - 1024 ))
    mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
    sed -e "s/@NCPU@/$ncpu/" -e "s/@MEM@/$mem/" -e "s|@ACCOUNTING@|$accounting|" \
        "$HERE/slurm.conf.in" >/etc/slurm/slurm.conf
}

ctld_up() {
    scontrol ping 2>/dev/null | grep -q ' is UP$'
}

node_state() {
    { sinfo -h -N -o %T 2>/dev/null || true; } | head -n 1
}

node_takes_jobs() {
    case "$(node_state)" in
        idle | mixed | allocated | completing) return 0 ;;
        *) return 1 ;;
    esac
}

start_slurm() {
    if ! running slurmctld /run/slurmctld.pid; then
        if want_accounting; then
            install_missing "${DBD_PACKAGES[@]}"
            # sacctmgr, which checks slurmdbd, reads slurm.conf too.
            write_slurm_conf accounting_storage/slurmdbd
            start_slurmdbd
        else
            write_slurm_conf accounting_storage/none
        fi
        /usr/sbin/slurmctld
        wait_for 20 ctld_up || die "slurmctld does not answer (see /var/log/slurm/slurmctld.log)"
        record slurmctld /run/slurmctld.pid
    fi
    if ! running slurmd /run/slurmd.pid; then
        /usr/sbin/slurmd -N localhost
        wait_for 10 running slurmd /run/slurmd.pid || die "slurmd did not start (see /var/log/slurm/slurmd.log)"
        record slurmd /run/slurmd.pid
    fi
    if ! wait_for 30 node_takes_jobs; then
        # A node left DOWN by an earlier unclean stop comes back with an explicit resume.
        scontrol update nodename=localhost state=resume >/dev/null 2>&1 || true
        wait_for 30 node_takes_jobs || die "node is '$(node_state)', not idle"
    fi
}

# --- commands ----------------------------------------------------------------------------------

cmd_start() {
    [[ "$(id -u)" == 0 ]] || die "must run as root (installs packages, writes /etc/slurm)"
    mkdir -p "$STATE"
    install_missing "${PACKAGES[@]}"
    start_munge
    start_slurm
    log "node localhost is $(node_state)"
}

# stop_one NAME: stop daemon NAME if this script started it and it still is that program.
stop_one() {
    local name="$1" file="$STATE/$1.pid" pid
    [[ -f "$file" ]] || return 0
    pid="$(tr -dc '0-9' <"$file")"
    if alive "$pid" "$name"; then
        kill -TERM "$pid"
        if ! wait_for 15 bash -c "! [[ -d /proc/$pid ]]"; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
        log "stopped $name (pid $pid)"
    fi
    rm -f "$file"
}

cmd_stop() {
    # Reverse order of start: compute node, controller, accounting, authentication.
    stop_one slurmd
    stop_one slurmctld
    stop_one slurmdbd
    stop_one munged
}

# restart_ctld SECONDS: the controller goes away and comes back; munge, slurmdbd and slurmd keep
# running, and slurmctld recovers its jobs from StateSaveLocation (it is not started with -c).
cmd_restart_ctld() {
    local down="${1:-0}" pid owned=0
    [[ "$(id -u)" == 0 ]] || die "must run as root"
    [[ "$down" =~ ^[0-9]+$ ]] || die "SECONDS must be a whole number, not '$down'"
    pid="$(pid_of /run/slurmctld.pid)"
    alive "$pid" slurmctld || die "slurmctld is not running"
    if [[ -f "$STATE/slurmctld.pid" && "$(tr -dc '0-9' <"$STATE/slurmctld.pid")" == "$pid" ]]; then
        owned=1
    fi
    kill -TERM "$pid"
    wait_for 30 bash -c "! [[ -d /proc/$pid ]]" || die "slurmctld (pid $pid) did not stop"
    log "stopped slurmctld (pid $pid) for ${down} s"
    sleep "$down"
    /usr/sbin/slurmctld
    wait_for 20 ctld_up || die "slurmctld does not answer (see /var/log/slurm/slurmctld.log)"
    if (( owned )); then
        record slurmctld /run/slurmctld.pid
    else
        # Started by someone else: keep it theirs to stop.
        log "restarted slurmctld (pid $(pid_of /run/slurmctld.pid))"
    fi
}

cmd_status() {
    local name pidfile owner state rc=0
    for name in munged slurmdbd slurmctld slurmd; do
        case "$name" in
            munged) pidfile=/run/munge/munged.pid ;;
            *) pidfile="/run/$name.pid" ;;
        esac
        owner="not started by this script"
        [[ -f "$STATE/$name.pid" ]] && owner="started by this script"
        if running "$name" "$pidfile"; then
            echo "$name: running (pid $(pid_of "$pidfile"), $owner)"
        else
            echo "$name: stopped"
        fi
    done
    state="$(node_state)"
    echo "node localhost: ${state:-unreachable}"
    node_takes_jobs || rc=3
    return "$rc"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    restart-ctld) cmd_restart_ctld "${2:-0}" ;;
    *) echo "usage: $0 start|stop|status|restart-ctld [SECONDS]" >&2; exit 2 ;;
esac
