# Callwire: build, run, test, benchmark.
#
#   make run     the main job on an embedded default (installs Debian packages first, as root)
#   make test    every test, the custom-processor example and the benchmark build
#   make tsan    the SIP dialog, endpoint and registrar tests under ThreadSanitizer (part of make test)
#   make bench   the package-benchmark suites in benchmarks/
#   make fuzz    libFuzzer, 1,000,000 runs on each parser target (SIP message, URI, SDP, RTP)
#   make fuzz-long  the same with 10,000,000 runs per target (or FUZZ_SECONDS=N each)
#   make soak    30 minutes of calls at 100/s through callwire server (RSS growth < 5 %); not part of test
#   make deps    only the Debian packages (idempotent; prints the command when not root)

SWIFT ?= swift

# Every Debian package the build and the tests need.
DEB_PACKAGES := pkg-config libsndfile1-dev sox graphviz libosip2-dev \
    libspeex-dev libspeexdsp-dev libasound2-dev flite flite1-dev \
    libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us pocketsphinx-testdata pocketsphinx \
    sip-tester nftables dnsmasq-base libc-ares-dev openssl iproute2 util-linux \
    baresip kamailio libsqlite3-dev sipvicious fail2ban prometheus postgresql librsvg2-bin \
    libopus-dev libspandsp-dev libgsm1-dev dpkg-dev libsrtp2-dev libssl-dev

EXAMPLE := Examples/custom-processor

.PHONY: deps build run test test-unit tsan bench bench-build example fuzz fuzz-long soak clean

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages are installed"; exit 0; fi; \
	if [ "$$(id -u)" -ne 0 ]; then \
	    echo "deps: missing Debian packages:" $$missing; \
	    echo "deps: run as root:"; \
	    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends" $$missing; \
	    exit 1; \
	fi; \
	echo "deps: installing" $$missing; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing

build: deps
	$(SWIFT) build

run: build
	@echo "make run: a real SIP call on 127.0.0.1 to an in-process endpoint that answers with a"
	@echo "          synthesized prompt; Callwire records the call and transcribes the far end"
	$(SWIFT) run callwire demo

# Tests run one at a time: many start real peers (sipp, Kamailio, baresip) and real-time calls,
# and blocking waits in parallel tests starve the others' timers on a 2-core machine.
# Each phase is timed; the last lines list every phase with its time, so a slow one shows.
PHASES := test-unit tsan example bench-build fuzz
test: deps
	@rm -f .build/phase-times; mkdir -p .build; status=0; \
	for phase in $(PHASES); do \
	    start=$$(date +%s); \
	    $(MAKE) --no-print-directory $$phase || status=$$?; \
	    echo "$$phase $$(( $$(date +%s) - start ))" >> .build/phase-times; \
	    [ $$status -eq 0 ] || break; \
	done; \
	echo "make test: phase times"; \
	while read -r name seconds; do printf '  %-12s %4d s\n' "$$name" "$$seconds"; done < .build/phase-times; \
	[ $$status -eq 0 ] && echo "make test: passed" || echo "make test: FAILED in phase $$phase"; \
	exit $$status

test-unit:
	$(SWIFT) test --no-parallel

# ThreadSanitizer over the SIP dialog, endpoint and registrar tests, in its own build folder.
# Left out, by test ID (--skip matches IDs such as Module.Type/function(), not display names):
# the 10,000-REGISTER load suite, the 100,000-call steady-cost test, the 1,000-password guessing
# test and the 10,000-requests/s flood measure throughput, which TSan's slowdown (5–15×) turns into
# timeouts and lost calls rather than races (the normal phase runs them all; under TSan on a loaded
# machine the flood cost 18 of 150 calls); the two-hour session-timer call
# is 360,000 media ticks per side (minutes under TSan; its timers run in the other timer tests).
TSAN_FILTER := SIPDialogTests|EndpointTests|RegistrarTests
tsan:
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" $(SWIFT) test --skip-build --sanitize=thread \
	    --scratch-path .build-tsan --no-parallel --filter '$(TSAN_FILTER)' --skip 'SippRegisterTests' --skip 'SteadyCostTests' --skip 'ScanAndGuessTests/guessing' --skip 'FloodTests/floodFromOneSource' \
	    --skip 'VirtualSessionTimerTests/twoHourCall'

# The example package adds its own node type to the same CLI: build it, test it, and run a
# pipeline that uses the custom node.
example:
	$(SWIFT) test --package-path $(EXAMPLE)
	$(SWIFT) build --package-path $(EXAMPLE)
	$(EXAMPLE)/.build/debug/custom-callwire nodes inspect ring-modulator
	$(EXAMPLE)/.build/debug/custom-callwire pipeline run \
	    'sine freq=440 rate=8000 duration=2s ! ring-modulator freq=30Hz ! level-meter interval=1s ! wav-recorder path=out/ring-modulated.wav'

# libFuzzer on the SIP message, URI, SDP and RTP parsers, seeded with the corpora in the repository
# (Tests/Fixtures, fuzz/seeds). `make fuzz` (part of `make test`): a fixed seed and 1,000,000 runs
# per target, after replaying every input in fuzz/regressions/<target>/ (crashes found earlier).
# `make fuzz-long`: FUZZ_RUNS=10000000 (or FUZZ_SECONDS=N per target). New inputs go to
# fuzz/.corpus (ignored); a crash is written to fuzz/ — keep it as fuzz/regressions/<target>/NAME.
FUZZ_BUILD := $(SWIFT) build --package-path fuzz -c release -Xswiftc -sanitize=fuzzer,address
FUZZ_RUNS ?= 1000000
FUZZ_SECONDS ?=
FUZZ_LIMIT = $(if $(FUZZ_SECONDS),-max_total_time=$(FUZZ_SECONDS),-runs=$(FUZZ_RUNS))
FIXTURES := Tests/Fixtures
# target:max_len:seed folders (each must exist and hold at least one file)
FUZZ_TARGETS := FuzzSIPMessage:4096:$(FIXTURES)/rfc4475,$(FIXTURES)/rfc5118 \
    FuzzSIPURI:2048:fuzz/seeds/uri FuzzSDP:4096:$(FIXTURES)/sdp FuzzRTP:1500:fuzz/seeds/rtp
fuzz:
	$(FUZZ_BUILD)
	@set -e; for spec in $(FUZZ_TARGETS); do \
	    target=$${spec%%:*}; rest=$${spec#*:}; maxlen=$${rest%%:*}; seeds=$$(echo $${rest#*:} | tr , ' '); \
	    for folder in $$seeds; do \
	        [ -n "$$(ls -A $$folder 2>/dev/null)" ] || { echo "fuzz: seed folder $$folder is missing or empty"; exit 1; }; \
	    done; \
	    if [ -d fuzz/regressions/$$target ] && [ -n "$$(ls -A fuzz/regressions/$$target)" ]; then \
	        echo "fuzz: $$target replays $$(ls fuzz/regressions/$$target | wc -l) regression inputs"; \
	        fuzz/.build/release/$$target fuzz/regressions/$$target/*; \
	    fi; \
	    mkdir -p fuzz/.corpus/$$target; \
	    echo "fuzz: $$target $(FUZZ_LIMIT)"; \
	    fuzz/.build/release/$$target -seed=1 $(FUZZ_LIMIT) -max_len=$$maxlen -artifact_prefix=fuzz/ \
	        fuzz/.corpus/$$target $$seeds; \
	done

fuzz-long:
	$(MAKE) fuzz FUZZ_RUNS=10000000

bench-build:
	$(SWIFT) build --package-path benchmarks

bench: deps
	$(SWIFT) package --package-path benchmarks benchmark

# 30 minutes at 100 calls/s through `callwire server` (sipp uac -> server -> sipp uas): 0 failed
# calls and resident memory within 5 % of its size after the first minute. Not part of `make test`.
soak: deps
	$(SWIFT) build -c release --product callwire
	benchmarks/proxy/soak.sh

clean:
	rm -rf .build .build-tsan benchmarks/.build fuzz/.build fuzz/.corpus $(EXAMPLE)/.build out
