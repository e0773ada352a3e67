#!/usr/bin/env bash
# Soak: calls through `callwire server` at RATE calls/s for DURATION seconds (sipp uac -> server
# -> sipp uas, UDP, record-route), sampling the server's resident memory every 10 s. Passes with
# 0 failed calls and RSS growth under 5 % from the end of the first minute to the end.
#
#   make soak                                    # 30 minutes at 100 calls/s
#   DURATION=300 RATE=200 benchmarks/proxy/soak.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=benchmarks/proxy
DURATION=${DURATION:-1800}
RATE=${RATE:-100}
CALLWIRE=${CALLWIRE:-.build/release/callwire}
# Below the ephemeral range (32768-60999 here): a port the kernel hands to some other program's
# socket (a test's, bound to port 0) cannot be taken, or mistaken for the server listening.
PORT=${PROXY_PORT:-26060}
UAS_PORT=$((PORT + 10))
UAC_PORT=$((PORT + 20))
REG_PORT=$((PORT + 30))
WORK=$(mktemp -d)
ROOT=$PWD
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
[ -x "$CALLWIRE" ] || swift build -c release --product callwire
echo "soak: $RATE calls/s for $DURATION s; load average $(cut -d' ' -f1-3 /proc/loadavg)"

"$CALLWIRE" server -l "127.0.0.1:$PORT" > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do ss -Hlun "sport = :$PORT" | grep -q . && break; sleep 0.1; done
(cd "$WORK" && exec sipp -sn uas -i 127.0.0.1 -p "$UAS_PORT" -nostdin > /dev/null 2>&1) &
printf 'SEQUENTIAL\nservice;127.0.0.1:%s\n' "$UAS_PORT" > "$WORK/contact.csv"
(cd "$WORK" && sipp -sf "$ROOT/$HERE/register-contact.xml" -inf "$WORK/contact.csv" -i 127.0.0.1 -p "$REG_PORT" -m 1 -nostdin \
    -timeout 5s "127.0.0.1:$PORT" > /dev/null 2>&1)

CALLS=$((RATE * DURATION))
(cd "$WORK" && sipp -sn uac -s service -i 127.0.0.1 -p "$UAC_PORT" -r "$RATE" -m "$CALLS" -l $((RATE * 4)) -nostdin \
    -timeout $((DURATION + 120))s -trace_stat -stf "$WORK/uac.csv" -fd 10 "127.0.0.1:$PORT" > "$WORK/uac.log" 2>&1; echo $? > "$WORK/uac.status") &
SIPP=$!
START=$(date +%s)
: > "$WORK/rss"
while kill -0 "$SIPP" 2>/dev/null; do
    echo "$(( $(date +%s) - START )) $(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER/status")" >> "$WORK/rss"
    sleep 10
done
wait "$SIPP" || true
STATUS=$(cat "$WORK/uac.status")
FAILED=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "FailedCall(C)") c = i } END { print $c }' "$WORK/uac.csv")
SUCCESS=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "SuccessfulCall(C)") c = i } END { print $c }' "$WORK/uac.csv")
BASE=$(awk '$1 >= 60 { print $2; exit }' "$WORK/rss")
LAST=$(tail -1 "$WORK/rss" | awk '{ print $2 }')
PEAK=$(awk 'BEGIN { m = 0 } $1 >= 60 && $2 > m { m = $2 } END { print m }' "$WORK/rss")
kill -INT "$SERVER"; wait "$SERVER" 2>/dev/null || true
echo "calls: $SUCCESS successful, $FAILED failed (sipp exit $STATUS)"
echo "RSS (KiB): at 60 s $BASE, peak after $PEAK, at the end $LAST"
awk -v b="$BASE" -v p="$PEAK" 'BEGIN { printf "RSS growth after the first minute: %.2f %% (peak)\n", 100 * (p - b) / b }'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$STATUS" = 0 ] && [ "$FAILED" = 0 ] && awk -v b="$BASE" -v p="$PEAK" 'BEGIN { exit !(p < b * 1.05) }'
