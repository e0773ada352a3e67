#!/usr/bin/env bash
# Flood: DURATION seconds of RATE OPTIONS/s from 127.0.0.2 at `callwire server --rate-limit LIMIT`
# while sipp makes calls from 127.0.0.1 (CALL_RATE calls/s). Passes when every call succeeds;
# prints what the flood sent and what the server dropped (its --metrics counters).
#
#   benchmarks/proxy/flood.sh                    # 60 s of 50,000 requests/s
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_=${DURATION:-60}
RATE=${RATE:-50000}
LIMIT=${LIMIT:-500}
CALL_RATE=${CALL_RATE:-50}
CALLWIRE=${CALLWIRE:-.build/release/callwire}
# Below the ephemeral range (32768-60999 here): a port the kernel hands to some other program's
# socket (a test's, bound to port 0) cannot be taken, or mistaken for the server listening.
PORT=${PROXY_PORT:-27060}
UAS_PORT=$((PORT + 10))
UAC_PORT=$((PORT + 20))
REG_PORT=$((PORT + 30))
METRICS_PORT=$((PORT + 40))
WORK=$(mktemp -d)
ROOT=$PWD
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
[ -x "$CALLWIRE" ] || swift build -c release --product callwire
echo "flood: $RATE requests/s for $SECONDS_ s from 127.0.0.2, --rate-limit $LIMIT; calls at $CALL_RATE/s from 127.0.0.1"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$CALLWIRE" server -l "127.0.0.1:$PORT" --rate-limit "$LIMIT" --metrics "127.0.0.1:$METRICS_PORT" > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do ss -Hlun "sport = :$PORT" | grep -q . && break; sleep 0.1; done
(cd "$WORK" && exec sipp -sn uas -i 127.0.0.1 -p "$UAS_PORT" -nostdin > /dev/null 2>&1) &
printf 'SEQUENTIAL\nservice;127.0.0.1:%s\n' "$UAS_PORT" > "$WORK/contact.csv"
(cd "$WORK" && sipp -sf "$ROOT/benchmarks/proxy/register-contact.xml" -inf "$WORK/contact.csv" -i 127.0.0.1 -p "$REG_PORT" -m 1 \
    -nostdin -timeout 5s "127.0.0.1:$PORT" > /dev/null 2>&1)

python3 - "$PORT" "$RATE" "$SECONDS_" > "$WORK/flood.out" <<'PY' &
import socket, sys, time
port, rate, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 0))
sent, start = 0, time.monotonic()
while True:
    elapsed = time.monotonic() - start
    if elapsed >= seconds:
        break
    due = int(rate * elapsed)
    if sent >= due:
        time.sleep(0.001)
        continue
    for _ in range(min(due - sent, 1000)):
        s.sendto(b"OPTIONS sip:flood@localhost SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:9;branch=z9hG4bK-f%d\r\nMax-Forwards: 70\r\n"
                 b"From: <sip:f@127.0.0.2>;tag=f\r\nTo: <sip:flood@localhost>\r\nCall-ID: f%d@127.0.0.2\r\nCSeq: 1 OPTIONS\r\n"
                 b"Content-Length: 0\r\n\r\n" % (sent, sent), ("127.0.0.1", port))
        sent += 1
print(sent, time.monotonic() - start)
PY
FLOOD=$!
CALLS=$((CALL_RATE * SECONDS_))
STATUS=0
(cd "$WORK" && sipp -sn uac -s service -i 127.0.0.1 -p "$UAC_PORT" -r "$CALL_RATE" -m "$CALLS" -nostdin -timeout $((SECONDS_ + 60))s \
    "127.0.0.1:$PORT" > "$WORK/uac.log" 2>&1) || STATUS=$?
wait "$FLOOD" || true
read -r SENT ELAPSED < "$WORK/flood.out"
METRICS=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$METRICS_PORT/metrics').read().decode())")
DROPPED=$(echo "$METRICS" | awk '$1 == "callwire_server_rate_limited_total" { print $2 }')
kill -INT "$SERVER"; wait "$SERVER" 2>/dev/null || true
awk -v s="$SENT" -v e="$ELAPSED" 'BEGIN { printf "flood sent %d requests in %.1f s (%.0f/s)\n", s, e, s / e }'
echo "server dropped $DROPPED of them unparsed; ban lines logged: $(grep -c 'rate limit: dropping requests from 127.0.0.2' "$WORK/server.log")"
echo "calls from 127.0.0.1: sipp exit $STATUS ($(grep -E 'Successful call|Failed call' "$WORK/uac.log" | tail -2 | awk -F'|' '{ gsub(/ /, "", $3); printf "%s ", $3 }')successful/failed)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$STATUS" = 0 ]
