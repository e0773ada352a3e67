#!/usr/bin/env bash
# Memory of a listening endpoint under many calls: `callwire --listen` answers sipp's uac at a
# steady rate, and its resident memory is sampled as the calls go by. Nothing may grow with the
# number of calls: RSS at the end must be within 10 % of RSS after the first 500 calls.
#
#   benchmarks/soak/listen-memory.sh [CALLS] [RATE] [MAX_CALLS]     (defaults 10000 100 50)
#   CALLWIRE=.build/release/callwire benchmarks/soak/listen-memory.sh
#
# Prints the idle RSS, RSS after 500 calls, 40 s in (finished calls' transactions linger 32 s:
# RFC 6026 Timer L, RFC 3261 Timer J — from then on the tables turn over), at the end, and per
# active call.
set -euo pipefail
calls=${1:-10000}; rate=${2:-100}; max=${3:-50}
root=$(cd "$(dirname "$0")/../.." && pwd)
callwire=${CALLWIRE:-$root/.build/release/callwire}
[ -x "$callwire" ] || (cd "$root" && swift build -c release --product callwire >&2)
command -v sipp >/dev/null || { echo "sipp is missing (Debian package sip-tester; make deps)" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
work=$(mktemp -d)
rss() { awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$1/status"; }

"$callwire" --listen --max-calls "$max" --no-audio --auto-respond-after=0 --int-ip=127.0.0.1 --port="$port" -q \
    < /dev/null > "$work/callwire.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
until grep -q ":$(printf '%04X' "$port") " /proc/net/udp; do sleep 0.1; done
sleep 2
idle=$(rss $pid)
(cd "$work" && sipp -sn uac -d 1000 -r "$rate" -m "$calls" -l $((rate * 3)) -i 127.0.0.1 -p 0 -nostdin -timeout 600s \
    -trace_stat -fd 1 "127.0.0.1:$port" > sipp.out 2>&1) &
sipp=$!
start=$(date +%s.%N)
after500=""; after40=""; peak=0; samples=()
while kill -0 $sipp 2>/dev/null; do
    sleep 1
    now=$(rss $pid); samples+=("$now")
    [ "$now" -gt "$peak" ] && peak=$now
    elapsed=$(echo "$(date +%s.%N) - $start" | bc)
    if [ -z "$after500" ] && [ "$(echo "$elapsed * $rate >= 500 + $rate" | bc)" = 1 ]; then after500=$now; fi
    if [ -z "$after40" ] && [ "$(echo "$elapsed >= 40" | bc)" = 1 ]; then after40=$now; fi
done
wait $sipp || true
sleep 3   # the last calls' media and timers end
end=$(rss $pid)
stats=$(ls "$work"/*_.csv 2>/dev/null | head -1)
successful=$(tail -1 "$stats" | awk -F';' '{ print $16 }' 2>/dev/null || echo "?")
failed=$(tail -1 "$stats" | awk -F';' '{ print $18 }' 2>/dev/null || echo "?")
echo "calls offered: $calls at $rate/s, 1 s each, --max-calls $max"
echo "sipp: successful $successful, failed $failed (486 Busy Here beyond --max-calls)"
echo "RSS idle: $idle MB; after 500 calls: $after500 MB; 40 s in: ${after40:-?} MB; peak: $peak MB; at the end: $end MB"
echo "growth after the first 500 calls: $(echo "scale=1; ($end - $after500) * 100 / $after500" | bc) %"
[ -n "$after40" ] && echo "growth after 40 s (the tables full of lingering transactions): $(echo "scale=1; ($end - $after40) * 100 / $after40" | bc) %"
echo "RSS per active call (peak over idle, $max or fewer active): $(echo "scale=2; ($peak - $idle) / $max" | bc) MB"
