#!/usr/bin/env bash
# The call rate `callwire server` sustains as a transaction-stateful, record-routing proxy,
# against Kamailio doing the same job on the same machine with the same sipp commands:
#
#   sipp uac ──INVITE──▶ proxy ──▶ sipp uas (registered as "service")
#
# For each server: register the uas, then run CALLS calls at a rate that doubles until sipp
# reports a failure, then bisects (STEPS times) between the last clean rate and the first
# failing one. Prints both rates and their ratio. Loopback only.
#
#   benchmarks/proxy/proxy-vs-kamailio.sh            # uses .build/release/callwire (built if missing)
#   CALLS=3000 START=100 STEPS=3 benchmarks/proxy/proxy-vs-kamailio.sh
#   KAMAILIO_CHILDREN=1 …   # one UDP worker: no 180/200 reordering between workers
#   ONLY=kamailio …         # measure one server
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=benchmarks/proxy
CALLS=${CALLS:-3000}
START=${START:-100}
STEPS=${STEPS:-3}
CALLWIRE=${CALLWIRE:-.build/release/callwire}
PROXY_PORT=${PROXY_PORT:-35060}
UAS_PORT=$((PROXY_PORT + 10))
UAC_PORT=$((PROXY_PORT + 20))
REG_PORT=$((PROXY_PORT + 30))
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

[ -x "$CALLWIRE" ] || swift build -c release --product callwire
command -v sipp >/dev/null || { echo "sipp is missing: make deps (sip-tester)"; exit 1; }
command -v kamailio >/dev/null || { echo "kamailio is missing: make deps"; exit 1; }

# One uas for both servers, answering every call.
(cd "$WORK" && exec sipp -sn uas -i 127.0.0.1 -p "$UAS_PORT" -nostdin > /dev/null 2>&1) &
printf 'SEQUENTIAL\nservice;127.0.0.1:%s\n' "$UAS_PORT" > "$WORK/contact.csv"

# Runs CALLS calls at rate $1 through the proxy; succeeds when none failed.
run_at() {
    (cd "$WORK" && timeout $((CALLS / $1 + 60)) sipp -sn uac -s service -i 127.0.0.1 -p "$UAC_PORT" -r "$1" -m "$CALLS" \
        -l $(( $1 * 4 )) -nostdin -timeout $((CALLS / $1 + 50))s "127.0.0.1:$PROXY_PORT" > "$WORK/uac.log" 2>&1)
}

# The highest clean rate for the proxy now listening.
search() {
    local root=$PWD attempt
    for attempt in 1 2 3 4 5; do
        (cd "$WORK" && sipp -sf "$root/$HERE/register-contact.xml" -inf "$WORK/contact.csv" -i 127.0.0.1 -p "$REG_PORT" \
            -m 1 -nostdin -timeout 5s "127.0.0.1:$PROXY_PORT" > /dev/null 2>&1) && break
        [ "$attempt" = 5 ] && { echo "registration failed" >&2; return 1; }
        sleep 1
    done
    local good=0 bad=0 rate=$START
    while run_at "$rate"; do good=$rate; rate=$((rate * 2)); [ "$rate" -gt 20000 ] && break; done
    bad=$rate
    for _ in $(seq "$STEPS"); do
        local mid=$(((good + bad) / 2))
        [ "$mid" -le "$good" ] && break
        if run_at "$mid"; then good=$mid; else bad=$mid; fi
    done
    echo "$good"
}

CALLWIRE_RATE=0 KAMAILIO_RATE=0
if [ "${ONLY:-}" != kamailio ]; then
    "$CALLWIRE" server -l "127.0.0.1:$PROXY_PORT" > "$WORK/callwire.log" 2>&1 &
    SERVER=$!
    sleep 1
    CALLWIRE_RATE=$(search)
    kill -INT "$SERVER"; wait "$SERVER" 2>/dev/null || true
    sleep 1
fi

if [ "${ONLY:-}" != callwire ]; then
    sed "s/PORT/$PROXY_PORT/g" "$HERE/kamailio-proxy.cfg" > "$WORK/kamailio.cfg"
    [ -n "${KAMAILIO_CHILDREN:-}" ] && sed -i "s/^log_stderror=yes$/log_stderror=yes\nchildren=$KAMAILIO_CHILDREN/" "$WORK/kamailio.cfg"
    kamailio -f "$WORK/kamailio.cfg" -DD -E -w "$WORK" -P "$WORK/kamailio.pid" > "$WORK/kamailio.log" 2>&1 &
    KAMAILIO=$!
    sleep 2
    KAMAILIO_RATE=$(search)
    kill "$KAMAILIO"; wait "$KAMAILIO" 2>/dev/null || true
fi

echo "calls per run: $CALLS (sipp uac -> proxy -> sipp uas, UDP, record-route, 127.0.0.1)"
echo "callwire server: $CALLWIRE_RATE calls/s with 0 failed"
echo "kamailio:        $KAMAILIO_RATE calls/s with 0 failed (children: ${KAMAILIO_CHILDREN:-default})"
awk -v a="$CALLWIRE_RATE" -v b="$KAMAILIO_RATE" 'BEGIN { if (b > 0) printf "ratio callwire/kamailio: %.2f\n", a / b }'
