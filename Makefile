# Callwire: build, run, test, benchmark.
#
#   make run     the main job on an embedded default (installs Debian packages first, as root)
#   make test    every test, the custom-processor example and the benchmark build
#   make bench   the package-benchmark suites in benchmarks/
#   make fuzz    libFuzzer, 1,000,000 runs on each SIP parser target
#   make deps    only the Debian packages (idempotent; prints the command when not root)

SWIFT ?= swift

# Every Debian package the build and the tests need.
DEB_PACKAGES := pkg-config libsndfile1-dev sox graphviz libosip2-dev \
    libspeex-dev libspeexdsp-dev libasound2-dev flite flite1-dev \
    libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us \
    sip-tester nftables dnsmasq-base libc-ares-dev openssl iproute2 util-linux \
    baresip kamailio libsqlite3-dev libopus-dev libspandsp-dev libgsm1-dev dpkg-dev

EXAMPLE := Examples/custom-processor

.PHONY: deps build run test bench bench-build example fuzz clean

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
test: deps
	$(SWIFT) test --no-parallel
	$(MAKE) example
	$(MAKE) bench-build
	$(MAKE) fuzz

# The example package adds its own node type to the same CLI: build it, test it, and run a
# pipeline that uses the custom node.
example:
	$(SWIFT) test --package-path $(EXAMPLE)
	$(SWIFT) build --package-path $(EXAMPLE)
	$(EXAMPLE)/.build/debug/custom-callwire nodes inspect ring-modulator
	$(EXAMPLE)/.build/debug/custom-callwire pipeline run \
	    'sine freq=440 rate=8000 duration=2s ! ring-modulator freq=30Hz ! level-meter interval=1s ! wav-recorder path=out/ring-modulated.wav'

# libFuzzer on the SIP message and URI parsers: 1,000,000 runs each with a fixed seed, seeded with
# the RFC 4475/5118 corpora in place; new inputs go to fuzz/.corpus (ignored), crashes to fuzz/.
FUZZ_BUILD := $(SWIFT) build --package-path fuzz -c release -Xswiftc -sanitize=fuzzer,address
TESTDATA ?= $(if $(CALLWIRE_TESTDATA),$(CALLWIRE_TESTDATA),../shared/testdata)
fuzz:
	$(FUZZ_BUILD)
	mkdir -p fuzz/.corpus/message fuzz/.corpus/uri
	fuzz/.build/release/FuzzSIPMessage -seed=1 -runs=1000000 -max_len=4096 -artifact_prefix=fuzz/ \
	    fuzz/.corpus/message $(TESTDATA)/rfc4475 $(TESTDATA)/rfc5118
	fuzz/.build/release/FuzzSIPURI -seed=1 -runs=1000000 -artifact_prefix=fuzz/ fuzz/.corpus/uri fuzz/seeds/uri
	mkdir -p fuzz/.corpus/sdp fuzz/.corpus/rtp
	fuzz/.build/release/FuzzSDP -seed=1 -runs=1000000 -max_len=4096 -artifact_prefix=fuzz/ fuzz/.corpus/sdp $(TESTDATA)/sdp
	fuzz/.build/release/FuzzRTP -seed=1 -runs=1000000 -max_len=1500 -artifact_prefix=fuzz/ fuzz/.corpus/rtp fuzz/seeds/rtp

bench-build:
	$(SWIFT) build --package-path benchmarks

bench: deps
	$(SWIFT) package --package-path benchmarks benchmark

clean:
	rm -rf .build benchmarks/.build fuzz/.build fuzz/.corpus $(EXAMPLE)/.build out
