#!/bin/sh
# benchmarks/load/load-vs-sipp.sh — how many concurrent G.711 calls with media both ways this
# machine carries cleanly with `callwire load` against `callwire --listen`, and the CPU cost per
# call-minute of media beside SIPp doing the same shape of call with its own RTP playback.
#
#   benchmarks/load/load-vs-sipp.sh [CONCURRENT ...]        (default: 100 200 300 400 500)
#   HOLD=60 RATE=50 CALLWIRE=.build/release/callwire benchmarks/load/load-vs-sipp.sh 500
#
# Callwire: both ends in two processes on loopback; each call sends a 440 Hz tone as PCMU and
# decodes what it receives (jitter buffer, G.711 decoder with concealment) on both sides. Clean
# means 0 late frames and < 0.1 % packet loss on the load side. Memory per call is the
# listener's RSS with all calls up, less its RSS idle, over the number of calls.
#
# SIPp (sip-tester): a uac scenario (uac-rtp-stream.xml) streams a µ-law file with rtp_stream
# to a SIPp uas that echoes RTP back (-rtp_echo): SIPp sends and returns media but decodes and
# checks nothing. CPU seconds per call-minute = (user + system CPU of both processes) / (calls ×
# minutes of media).
#
# Media is plain RTP on both sides (--srtp off), as SIPp's is. SRTP=optional measures the
# default instead: Debian's libsrtp2 does its AES and HMAC through NSS, which costs more per
# packet than all of Callwire's own media work (perf: 40 % of the listener's CPU at 200 calls).
set -eu
CALLWIRE=${CALLWIRE:-.build/release/callwire}
HOLD=${HOLD:-60}
SRTP=${SRTP:-off}
RATE=${RATE:-50}
TICK=$(getconf CLK_TCK)
SCENARIO=$(cd "$(dirname "$0")" && pwd)/uac-rtp-stream.xml
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cpu() { awk -v t="$TICK" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"; }
rss() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
freeport() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

PIPE='sine freq=440 rate=8000 level=-12dB ! @encoder ! @rtp-out
@rtp-in ! jitter-buffer ! @decoder ! null-sink'

printf '%-8s %-10s %-8s %-8s %-10s %-12s %-12s %s\n' tool calls late loss% clean cpu_s cpu/call-min kB/call
for C in ${@:-100 200 300 400 500}; do
    P=$(freeport)
    "$CALLWIRE" --listen --max-calls "$((C + 10))" --auto-respond-after 0 --int-ip 127.0.0.1 --port "$P" -q \
        --codecs PCMU --srtp "$SRTP" --pipeline "$PIPE" < /dev/null > "$WORK/listen.log" 2>&1 &
    LISTENER=$!
    sleep 1
    IDLE=$(rss $LISTENER)
    "$CALLWIRE" load --to "sip:bench@127.0.0.1:$P" --int-ip 127.0.0.1 --rate "$RATE" --calls "$C" --concurrent "$C" \
        --duration "${HOLD}s" --srtp "$SRTP" --pipeline "$PIPE" --report "$WORK/calls.csv" --progress-interval 5 > "$WORK/load.out" 2>&1 &
    LOAD=$!
    # Sample the listener's memory once every call is up (after the ramp, mid-hold).
    sleep $(( C / RATE + HOLD / 2 ))
    FULL=$(rss $LISTENER)
    LOADCPU_BEFORE_EXIT=0
    while kill -0 $LOAD 2> /dev/null; do LOADCPU_BEFORE_EXIT=$(cpu $LOAD 2> /dev/null || echo "$LOADCPU_BEFORE_EXIT"); sleep 0.5; done
    wait $LOAD || true
    LISTENCPU=$(cpu $LISTENER)
    kill -INT $LISTENER; wait $LISTENER || true
    LATE=$(sed -n 's/.*late frames \([0-9]*\).*/\1/p' "$WORK/load.out" | tail -1)
    LOSS=$(sed -n 's/.*lost [0-9]* (\([0-9.]*\) %).*/\1/p' "$WORK/load.out" | tail -1)
    PASSED=$(sed -n 's/.*, \([0-9]*\) passed.*/\1/p' "$WORK/load.out" | tail -1)
    CLEAN=$(awk -v l="$LATE" -v p="$LOSS" -v ok="$PASSED" -v c="$C" 'BEGIN { print (l == 0 && p < 0.1 && ok == c) ? "yes" : "no" }')
    CPU=$(awk -v a="$LOADCPU_BEFORE_EXIT" -v b="$LISTENCPU" 'BEGIN { printf "%.1f", a + b }')
    PER=$(awk -v cpu="$CPU" -v c="$C" -v h="$HOLD" 'BEGIN { printf "%.3f", cpu / (c * h / 60) }')
    KB=$(awk -v f="$FULL" -v i="$IDLE" -v c="$C" 'BEGIN { printf "%.0f", (f - i) / c }')
    printf '%-8s %-10s %-8s %-8s %-10s %-12s %-12s %s\n' callwire "$C" "$LATE" "$LOSS" "$CLEAN" "$CPU" "$PER" "$KB"

    # SIPp, same shape: C calls at RATE/s held HOLD s, PCMU both ways (uas echoes).
    P=$(freeport)
    sox -n -r 8000 -c 1 -t ul "$WORK/tone.ul" synth 10 sine 440 vol 0.25
    sipp -sn uas -i 127.0.0.1 -p "$P" -rtp_echo -mp "$(freeport)" -max_socket $((C * 4 + 100)) > "$WORK/uas.out" 2>&1 &
    UAS=$!
    sleep 1
    ( cd "$WORK" && exec sipp 127.0.0.1:"$P" -sf "$SCENARIO" -i 127.0.0.1 -p "$(freeport)" \
        -d "$((HOLD * 1000))" -r "$RATE" -m "$C" -l "$C" -mp "$(freeport)" -max_socket $((C * 4 + 100)) \
        -timeout "$((HOLD + C / RATE + 60))" > "$WORK/sipp.out" 2>&1 ) &
    UAC=$!
    UACCPU=0
    while kill -0 "$UAC" 2> /dev/null; do UACCPU=$(cpu "$UAC" 2> /dev/null || echo "$UACCPU"); sleep 0.5; done
    wait "$UAC" || true
    UASCPU=$(cpu "$UAS")
    kill "$UAS" 2> /dev/null || true
    wait "$UAS" 2> /dev/null || true
    OK=$(sed -n 's/.*Successful call *| *[0-9]* *| *\([0-9]*\).*/\1/p' "$WORK/sipp.out" | tail -1)
    CPU=$(awk -v a="$UACCPU" -v b="$UASCPU" 'BEGIN { printf "%.1f", a + b }')
    PER_SIPP=$(awk -v cpu="$CPU" -v c="$C" -v h="$HOLD" 'BEGIN { printf "%.3f", cpu / (c * h / 60) }')
    printf '%-8s %-10s %-8s %-8s %-10s %-12s %-12s %s\n' sipp "$C" - - "${OK:-?}/$C" "$CPU" "$PER_SIPP" -
    awk -v a="$PER" -v b="$PER_SIPP" 'BEGIN { if (b > 0) printf "ratio callwire/sipp per call-minute: %.2f\n", a / b }'
done
