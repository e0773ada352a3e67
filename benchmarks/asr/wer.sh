#!/usr/bin/env bash
# Word error rate of Callwire's recognizer on real speech, through each codec path.
#
#   benchmarks/asr/wer.sh                 # build release, print the tables
#   CALLWIRE=.build/debug/callwire benchmarks/asr/wer.sh
#   benchmarks/asr/wer.sh --keep out/asr  # keep hypotheses and alignments there
#
# The speech is the real recordings with reference transcripts that Debian's pocketsphinx-testdata
# ships: five read sentences (librivox, one speaker) and five card-game command utterances (cards),
# 92 words. Each file is played through a codec path into `recognizer`, the recognized text of
# all its utterances makes one hypothesis line, and `callwire score` counts the errors. The same
# files through `pocketsphinx_continuous` (Debian's command-line recognizer, its defaults) are the
# reference rows. A second table runs the flite voices through PCMU with the test sentences.
# Decoding speed is the recognizer's own measure (seconds of utterance audio per second of processor time spent
# decoding it on the worker, model loading excluded), summed over the files of a row.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
data=/usr/share/pocketsphinx/test/data
keep=""
[ "${1:-}" = "--keep" ] && keep=${2:?--keep needs a folder}

if [ ! -f "$data/cards/cards.transcription" ] || [ ! -f "$data/librivox/transcription" ]; then
    echo "error: $data is missing: install the Debian package pocketsphinx-testdata (make deps)" >&2
    exit 1
fi
command -v pocketsphinx_continuous >/dev/null || { echo "error: pocketsphinx_continuous missing (Debian package pocketsphinx)" >&2; exit 1; }
command -v sox >/dev/null || { echo "error: sox missing (Debian package sox)" >&2; exit 1; }

if [ -z "${CALLWIRE:-}" ]; then
    (cd "$root" && swift build -c release --product callwire >&2)
    CALLWIRE="$root/.build/release/callwire"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The corpus: wav path and utterance id, and the reference transcript with ids.
: >"$work/ref.txt"
: >"$work/files.txt"
while read -r id; do
    echo "$data/librivox/$id.wav $id" >>"$work/files.txt"
done <"$data/librivox/fileids"
sed 's/ *<\/\?s> */ /g' "$data/librivox/transcription" >>"$work/ref.txt"
while read -r id; do
    echo "$data/cards/$id.wav cards-$id" >>"$work/files.txt"
done <"$data/cards/cards.fileids"
sed 's/ *<\/\?s> */ /g; s/(\([0-9]*\))$/(cards-\1)/' "$data/cards/cards.transcription" >>"$work/ref.txt"

# Runs `pipeline` (with FILE in it) over every file; writes hypotheses to $1.hyp and the summed
# decoding speed to $1.speed.
run_path() {
    local name=$1 chain=$2 audio=0 seconds=0
    : >"$work/$name.hyp"
    while read -r file id; do
        out=$("$CALLWIRE" pipeline run "wav-player path=$file ! $chain")
        text=$(sed -n 's/^recognizer: recognized "\(.*\)" (.*/\1/p' <<<"$out" | tr '\n' ' ')
        echo "$text ($id)" >>"$work/$name.hyp"
        speed=$(sed -n 's/.*recognizer: decoded [0-9]* utterance(s): \([0-9.]*\) s of audio in \([0-9.]*\) s.*/\1 \2/p' <<<"$out")
        audio=$(awk -v a="$audio" -v s="${speed%% *}" 'BEGIN { print a + s }')
        seconds=$(awk -v a="$seconds" -v s="${speed##* }" 'BEGIN { print a + s }')
    done <"$work/files.txt"
    awk -v a="$audio" -v s="$seconds" 'BEGIN { if (s > 0) printf "%.1f", a / s; else printf "–" }' >"$work/$name.speed"
}

score() {
    local name=$1
    "$CALLWIRE" score "$work/ref.txt" "$work/$name.hyp" >"$work/$name.score"
    tail -1 "$work/$name.score" | sed -n 's/^WER \([0-9.]* %\) (\([0-9]*\) errors in \([0-9]*\) words.*/\1|\2\/\3/p'
}

row() {
    local label=$1 name=$2 result
    result=$(score "$name")
    printf '| %s | %s | %s | %s× |\n' "$label" "${result%%|*}" "${result##*|}" "$(cat "$work/$name.speed")"
}

echo "| path into \`recognizer\` | WER | errors/words | decoding speed |"
echo "|---|---|---|---|"
run_path wb "recognizer"
row "\`wav-player\` (16 kHz original)" wb
run_path speexwb "speex-encoder mode=wb ! speex-decoder ! recognizer"
row "\`… ! speex-encoder mode=wb ! speex-decoder\`" speexwb
run_path pcmu "resample rate=8000 ! pcmu-encoder ! pcmu-decoder ! recognizer"
row "\`… ! resample rate=8000 ! pcmu-encoder ! pcmu-decoder\`" pcmu
run_path pcma "resample rate=8000 ! pcma-encoder ! pcma-decoder ! recognizer"
row "\`… ! resample rate=8000 ! pcma-encoder ! pcma-decoder\`" pcma
run_path speexnb "resample rate=8000 ! speex-encoder mode=nb ! speex-decoder ! recognizer"
row "\`… ! resample rate=8000 ! speex-encoder mode=nb ! speex-decoder\`" speexnb

# Reference rows: Debian's recognizer with its defaults, on the originals and on 8 kHz copies.
reference() {
    local name=$1 rate=$2
    : >"$work/$name.hyp"
    local start end
    start=$(date +%s.%N)
    while read -r file id; do
        input=$file
        if [ "$rate" != 16000 ]; then
            input="$work/$id-$rate.wav"
            sox "$file" -r "$rate" "$input"
        fi
        text=$(pocketsphinx_continuous -infile "$input" -samprate "$rate" -logfn /dev/null 2>/dev/null | tr '\n' ' ' || true)
        echo "$text ($id)" >>"$work/$name.hyp"
    done <"$work/files.txt"
    end=$(date +%s.%N)
    echo "–" >"$work/$name.speed"
}
reference ps16 16000
row "for reference: \`pocketsphinx_continuous\` on the 16 kHz originals" ps16
reference ps8 8000
row "for reference: \`pocketsphinx_continuous -samprate 8000\` on 8 kHz copies" ps8

# Synthesized voices through PCMU: the sentences the recognizer tests speak.
echo
echo "| flite voice through PCMU | WER | errors/words |"
echo "|---|---|---|"
sentences=("one two three four five" "hello world" "testing one two three" "please call me back tomorrow" "the meeting starts at nine")
for voice in kal slt rms awb; do
    : >"$work/flite-$voice.ref"
    : >"$work/flite-$voice.hyp"
    for sentence in "${sentences[@]}"; do
        echo "$sentence" >>"$work/flite-$voice.ref"
        out=$("$CALLWIRE" pipeline run "tts voice=$voice text=\"$sentence\" ! resample rate=8000 ! pcmu-encoder ! pcmu-decoder ! recognizer")
        sed -n 's/^recognizer: recognized "\(.*\)" (.*/\1/p' <<<"$out" | tr '\n' ' ' >>"$work/flite-$voice.hyp"
        echo >>"$work/flite-$voice.hyp"
    done
    result=$("$CALLWIRE" score "$work/flite-$voice.ref" "$work/flite-$voice.hyp" | tail -1 |
             sed -n 's/^WER \([0-9.]* %\) (\([0-9]*\) errors in \([0-9]*\) words.*/\1|\2\/\3/p')
    printf '| %s | %s | %s |\n' "$voice" "${result%%|*}" "${result##*|}"
done

if [ -n "$keep" ]; then
    mkdir -p "$keep"
    cp "$work"/*.hyp "$work"/*.score "$work"/ref.txt "$keep"/
    echo "hypotheses and alignments in $keep"
fi
