#!/usr/bin/env bash
# `callwire server` against Kamailio on the same machine, with the same sipp commands and the same
# strict rule for both (a run passes only with 0 failed calls and 0 retransmissions):
#
#   sipp uac ──INVITE──▶ proxy ──▶ sipp uas (registered as "service"), UDP, record-route, 127.0.0.1
#
#   (a) CPU % of the server process at RATE calls/s over RUNS consecutive CALLS-call runs on one
#       server process: callwire --workers 1 against Kamailio children=1, both running, taking
#       turns run by run.
#   (b) the highest clean call rate (doubling from START until a run fails, then STEPS bisections):
#       callwire --workers 1 against Kamailio children=1 with SIPp's built-in uac; callwire with
#       every worker against Kamailio children=<cores> with uac-late-180.xml for both (Kamailio's
#       workers reorder a 180 behind its 200 under load, which the built-in uac counts as failed).
#   (c) REGISTERs per second, distinct users, 0 failures, plain and with digest: callwire server
#       (every worker) against Kamailio's registrar (children=<cores>).
#   (i) CPU % of an idle server over IDLE seconds (one registered contact, no calls):
#       callwire --workers 1 against Kamailio children=1. Not in the default parts.
#
#   benchmarks/proxy/proxy-vs-kamailio.sh            # all parts; .build/release/callwire (built if missing)
#   benchmarks/proxy/proxy-vs-kamailio.sh b          # one part
#   IDLE=60 benchmarks/proxy/proxy-vs-kamailio.sh i   # idle cost
#   RUNS=3 CALLS=3000 RATE=200 START=100 STEPS=3 REGISTERS=5000 benchmarks/proxy/proxy-vs-kamailio.sh
#
# The machine is shared: the load average is printed before each part. Kamailio's module folder is
# found at run time (dpkg-architecture), so the script runs on any Debian architecture.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=benchmarks/proxy
PARTS=${*:-a b c}
CALLS=${CALLS:-3000}
RUNS=${RUNS:-10}
RATE=${RATE:-200}
START=${START:-100}
STEPS=${STEPS:-3}
REGISTERS=${REGISTERS:-5000}
IDLE=${IDLE:-30}
CALLWIRE=${CALLWIRE:-.build/release/callwire}
CORES=$(nproc)
# Below the ephemeral range (32768-60999 here): a port the kernel hands to some other program's
# socket (a test's, bound to port 0) cannot be taken, or mistaken for the server listening.
PORT=${PROXY_PORT:-25060}
UAS_PORT=$((PORT + 10))
UAC_PORT=$((PORT + 20))
REG_PORT=$((PORT + 30))
TICKS=$(getconf CLK_TCK)
WORK=$(mktemp -d)
SERVER=""
CW_PID="" KAM_PID=""
# On any exit: stop whichever servers are running (part (a) runs two), then the rest.
cleanup() {
    local pid
    for pid in $CW_PID $KAM_PID $SERVER; do kill -INT "$pid" 2>/dev/null || true; done
    for pid in $CW_PID $KAM_PID $SERVER; do wait "$pid" 2>/dev/null || true; done
    kill $(jobs -p) 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

[ -x "$CALLWIRE" ] || swift build -c release --product callwire
CALLWIRE=$(realpath "$CALLWIRE")
command -v sipp >/dev/null || { echo "sipp is missing: make deps (sip-tester)"; exit 1; }
command -v kamailio >/dev/null || { echo "kamailio is missing: make deps"; exit 1; }
if [[ " $PARTS " == *" i "* ]]; then
    command -v perf >/dev/null || { echo "part i needs perf: apt-get install linux-perf"; exit 1; }
fi
MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null || true)
MPATH=/usr/lib/$MULTIARCH/kamailio/modules/
[ -f "$MPATH/tm.so" ] || MPATH=$(dirname "$(ls /usr/lib/*/kamailio/modules/tm.so | head -1)")/
ROOT=$PWD

load() { echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"; }

# A server's processes: its own and its children's (Kamailio's workers).
server_pids() { echo "$1" $(ps -o pid= --ppid "$1" 2>/dev/null); }

# CPU ticks (user + system) of a server's processes.
ticks() {
    local total=0 pid
    for pid in $(server_pids "$1"); do
        [ -r "/proc/$pid/stat" ] || continue
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    echo "$total"
}

wait_listening() {
    local _
    for _ in $(seq 100); do
        ss -Hlun "sport = :$PORT" | grep -q . && return 0
        sleep 0.1
    done
    echo "the server did not start listening on $PORT:" >&2
    tail -n 5 "$WORK"/*.log >&2
    return 1
}

start_callwire() {   # $1: workers; more arguments for the server
    local workers=$1
    shift
    "$CALLWIRE" server -l "127.0.0.1:$PORT" --workers "$workers" "$@" > "$WORK/callwire.log" 2>&1 &
    SERVER=$!
    wait_listening
}

start_kamailio() {   # $1: children, $2: config, more: kamailio arguments (-A WITH_AUTH)
    local children=$1 config=$2
    shift 2
    sed -e "s|PORT|$PORT|g" -e "s|MPATH|$MPATH|" -e "s|CHILDREN|$children|" "$HERE/$config" > "$WORK/kamailio.cfg"
    grep -q '^children=' "$WORK/kamailio.cfg" || sed -i "s/^log_stderror=yes$/log_stderror=yes\nchildren=$children/" "$WORK/kamailio.cfg"
    # 1 GiB of shared memory: with the default 64 MiB its transaction table runs out above ~500 calls/s.
    kamailio -f "$WORK/kamailio.cfg" -DD -E -m 1024 -M 32 -w "$WORK" -P "$WORK/kamailio.pid" "$@" > "$WORK/kamailio.log" 2>&1 &
    SERVER=$!
    wait_listening
}

stop_server() {
    [ -n "$SERVER" ] || return 0
    kill -INT "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=""
    # Kamailio's workers may hold the port a while after its main process (freeing its memory).
    local _
    for _ in $(seq 300); do ss -Hlun "sport = :$PORT" | grep -q . || break; sleep 0.1; done
    sleep 1
}

register_service() {
    local attempt
    for attempt in 1 2 3 4 5; do
        (cd "$WORK" && sipp -sf "$ROOT/$HERE/register-contact.xml" -inf "$WORK/contact.csv" -i 127.0.0.1 -p "$REG_PORT" \
            -m 1 -nostdin -timeout 5s "127.0.0.1:$PORT" > /dev/null 2>&1) && return 0
        sleep 1
    done
    echo "registration failed" >&2
    return 1
}

# CALLS calls at rate $1 (scenario $2: "builtin" or an XML file); passes with 0 failed calls and 0
# retransmissions (sipp's statistics file).
run_calls() {
    local rate=$1 scenario=${2:-builtin} stats="$WORK/uac-stats.csv"
    local how=(-sn uac)
    [ "$scenario" = builtin ] || how=(-sf "$ROOT/$HERE/$scenario")
    rm -f "$stats"
    (cd "$WORK" && timeout $((CALLS / rate + 60)) sipp "${how[@]}" -s service -i 127.0.0.1 -p "$UAC_PORT" -r "$rate" -m "$CALLS" \
        -l $((rate * 4)) -nostdin -timeout $((CALLS / rate + 50))s -trace_stat -stf "$stats" -fd 1 \
        "127.0.0.1:$PORT" > "$WORK/uac.log" 2>&1) || return 1
    local retransmissions
    retransmissions=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "Retransmissions(C)") column = i } END { print $column }' "$stats")
    [ "${retransmissions:-1}" = 0 ] || { echo "rate $rate: $retransmissions retransmissions" >> "$WORK/why"; return 1; }
}

# REGISTERS REGISTERs of distinct users at rate $1 with scenario $2; passes with 0 failures.
run_registers() {
    local rate=$1 scenario=$2
    (cd "$WORK" && timeout $((REGISTERS / rate + 60)) sipp -sf "$ROOT/$HERE/$scenario" -inf "$WORK/users.csv" -i 127.0.0.1 -p "$REG_PORT" \
        -r "$rate" -m "$REGISTERS" -l $((rate * 4)) -nostdin -timeout $((REGISTERS / rate + 50))s "127.0.0.1:$PORT" > "$WORK/reg.log" 2>&1)
}

# The highest rate at which "$@" (a command taking the rate first) passes.
search() {
    local good=0 bad rate=$START mid
    while "$@" "$rate"; do good=$rate; rate=$((rate * 2)); [ "$rate" -gt 40000 ] && break; done
    bad=$rate
    for _ in $(seq "$STEPS"); do
        mid=$(((good + bad) / 2))
        [ "$mid" -le "$good" ] && break
        if "$@" "$mid"; then good=$mid; else bad=$mid; fi
    done
    echo "$good"
}

calls_with() { run_calls "$2" "$1"; }
registers_with() { run_registers "$2" "$1"; }

# (a) CPU % of the server $SERVER (listening on $PORT) over one run at RATE.
cpu_run() {
    local before after start end
    before=$(ticks "$SERVER")
    start=$(date +%s.%N)
    if ! run_calls "$RATE"; then echo "a run through port $PORT failed" >&2; fi
    end=$(date +%s.%N)
    after=$(ticks "$SERVER")
    awk -v t=$((after - before)) -v hz="$TICKS" -v s="$start" -v e="$end" 'BEGIN { printf "%.1f ", 100 * t / hz / (e - s) }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

(cd "$WORK" && exec sipp -sn uas -i 127.0.0.1 -p "$UAS_PORT" -nostdin > /dev/null 2>&1) &
printf 'SEQUENTIAL\nservice;127.0.0.1:%s\n' "$UAS_PORT" > "$WORK/contact.csv"
SUMMARY=()
echo "cores: $CORES; calls per run: $CALLS (sipp uac -> proxy -> sipp uas, UDP, record-route, 127.0.0.1); strict: 0 failed, 0 retransmissions"

if [[ " $PARTS " == *" a "* ]]; then
    load
    # Both servers run at once on two ports and take turns, run by run: the machine's speed
    # drifts by 10-30 % over minutes (seen for both servers), and alternating lets a drift weigh
    # on both alike instead of on whichever ran second. Each serves RUNS consecutive runs of its own.
    CW_PORT=$PORT KAM_PORT=$((PORT + 100))
    start_callwire 1
    register_service
    CW_PID=$SERVER
    PORT=$KAM_PORT
    start_kamailio 1 kamailio-proxy.cfg
    register_service
    KAM_PID=$SERVER
    CW_CPU="" KAM_CPU=""
    for _ in $(seq "$RUNS"); do
        PORT=$CW_PORT SERVER=$CW_PID
        CW_CPU+=$(cpu_run)
        PORT=$KAM_PORT SERVER=$KAM_PID
        KAM_CPU+=$(cpu_run)
    done
    stop_server
    PORT=$CW_PORT SERVER=$CW_PID
    stop_server
    CW_PID="" KAM_PID=""
    CW_FIRST=$(echo "$CW_CPU" | awk '{ print $1 }')
    CW_LAST=$(echo "$CW_CPU" | awk '{ print $NF }')
    CW_MEAN=$(echo "$CW_CPU" | awk '{ for (i = 1; i <= NF; i++) s += $i; printf "%.1f", s / NF }')
    KAM_MEAN=$(echo "$KAM_CPU" | awk '{ for (i = 1; i <= NF; i++) s += $i; printf "%.1f", s / NF }')
    SUMMARY+=("(a) CPU % at $RATE calls/s, $RUNS runs of $CALLS calls on one process:"
              "    callwire --workers 1: $CW_CPU(last/first $(ratio "$CW_LAST" "$CW_FIRST"))"
              "    kamailio children=1:  $KAM_CPU"
              "    mean callwire/kamailio: $CW_MEAN / $KAM_MEAN = $(ratio "$CW_MEAN" "$KAM_MEAN")")
    printf '%s\n' "${SUMMARY[@]}"
fi

if [[ " $PARTS " == *" b "* ]]; then
    load
    start_callwire 1
    register_service
    CW1=$(search calls_with builtin)
    stop_server
    start_kamailio 1 kamailio-proxy.cfg
    register_service
    KAM1=$(search calls_with builtin)
    stop_server
    load
    start_callwire "$CORES"
    register_service
    CWN=$(search calls_with uac-late-180.xml)
    stop_server
    start_kamailio "$CORES" kamailio-proxy.cfg
    register_service
    KAMN=$(search calls_with uac-late-180.xml)
    stop_server
    SUMMARY+=("(b) highest clean call rate:"
              "    one worker (built-in uac):  callwire $CW1, kamailio $KAM1 calls/s — ratio $(ratio "$CW1" "$KAM1")"
              "    $CORES workers (uac-late-180): callwire $CWN, kamailio $KAMN calls/s — ratio $(ratio "$CWN" "$KAMN")")
    printf '%s\n' "${SUMMARY[@]: -3}"
fi

if [[ " $PARTS " == *" c "* ]]; then
    load
    { echo SEQUENTIAL; for i in $(seq -w 1 "$REGISTERS"); do echo "u$i;[authentication username=u$i password=secret]"; done; } > "$WORK/users.csv"
    for i in $(seq -w 1 "$REGISTERS"); do echo "u$i secret"; done > "$WORK/users.txt"
    start_callwire "$CORES"
    CW_REG=$(search registers_with register-users.xml)
    stop_server
    start_callwire "$CORES" --users "$WORK/users.txt" --algorithms md5
    CW_AUTH=$(search registers_with register-users-auth.xml)
    stop_server
    start_kamailio "$CORES" kamailio-registrar.cfg
    KAM_REG=$(search registers_with register-users.xml)
    stop_server
    start_kamailio "$CORES" kamailio-registrar.cfg -A WITH_AUTH
    KAM_AUTH=$(search registers_with register-users-auth.xml)
    stop_server
    SUMMARY+=("(c) REGISTERs per second, $REGISTERS distinct users, 0 failures:"
              "    plain:  callwire $CW_REG, kamailio $KAM_REG — ratio $(ratio "$CW_REG" "$KAM_REG")"
              "    digest: callwire $CW_AUTH, kamailio $KAM_AUTH — ratio $(ratio "$CW_AUTH" "$KAM_AUTH")")
    printf '%s\n' "${SUMMARY[@]: -3}"
fi

# (i) CPU % of the server while it sits idle for IDLE seconds, from 35 s after the contact
# registered (its REGISTER transaction lingers 32 s, Timer J, keeping a timer armed). An idle
# server's CPU is a few clock ticks a minute, rounded per process in /proc/PID/stat, so it is
# counted in nanoseconds with `perf stat -e task-clock` over every process of the server.
idle_cpu() {
    local pids milliseconds
    sleep 35
    pids=$(server_pids "$SERVER" | tr -s ' ' ',')
    milliseconds=$(perf stat -x, -e task-clock -p "$pids" -- sleep "$IDLE" 2>&1 >/dev/null | awk -F, '/task-clock/ { print $1 }')
    awk -v ms="$milliseconds" -v s="$IDLE" 'BEGIN { printf "%.3f", ms / 10 / s }'
}

if [[ " $PARTS " == *" i "* ]]; then
    load
    start_callwire 1
    register_service
    CW_IDLE=$(idle_cpu)
    stop_server
    start_kamailio 1 kamailio-proxy.cfg
    register_service
    KAM_IDLE=$(idle_cpu)
    stop_server
    SUMMARY+=("(i) CPU % idle over $IDLE s (one contact registered, no calls):"
              "    callwire --workers 1: $CW_IDLE, kamailio children=1 (all processes): $KAM_IDLE")
    printf '%s\n' "${SUMMARY[@]: -2}"
fi

echo "=== summary ($(load)) ==="
printf '%s\n' "${SUMMARY[@]}"
