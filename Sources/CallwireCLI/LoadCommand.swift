import ArgumentParser
import Foundation

/// `callwire load`: outgoing calls at a set rate, each with real media through a pipeline,
/// checked call by call, with a live status line, a per-call report and Prometheus metrics.
struct LoadCommand: EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Place many calls at a set rate with real media, check each one, and report their quality.",
        discussion: """
        Calls --to at --rate calls per second until --calls have been placed, never more than \
        --concurrent at once. Each call runs --pipeline (default: it speaks a short prompt, listens, \
        and reports DTMF keys; --show-pipeline prints it) and is hung up after --duration, or ends \
        earlier when the far end hangs up. All calls live in this one process.

        A call passes when it is answered and every check given holds:
          --expect-dtmf 42       exactly these keys arrived (RFC 4733 or in-band)
          --expect-text "hello"  recognized speech, word error rate <= --max-wer
          --expect-tone 1000     a steady tone at this frequency (Hz) lasting 200 ms
          --min-mos 4.0          the E-model MOS estimate (ITU-T G.107)
        The exit status is 0 when the failed calls are at most --max-failures (a count, \
        or a percentage such as 1%), else 2.

        With --user-range 1000-1099 the calls come from those users in turn (From: \
        sip:1000@--domain, …); a 401/407 is answered as that user with --authpass. --register \
        registers every user first (16 REGISTERs at a time), keeps them registered during the \
        run, and removes the bindings at the end.

        The far end can be another callwire, e.g. an IVR that speaks and sends DTMF:

          callwire --listen --port 5070 --max-calls 60 --auto-respond-after 0 \\
            --pipeline 'tts voice=rms text="one two three" keep-open=true
                ! resample ! @encoder ! @rtp-out name=tx
              dtmf-injector digits=42 keep-open=true ! tx.events
              @rtp-in ! jitter-buffer ! @decoder ! null-sink'
          callwire load --to sip:ivr@127.0.0.1:5070 --rate 20 --calls 200 \\
            --concurrent 50 --duration 10s --expect-dtmf 42 \\
            --expect-text "one two three" --report calls.csv

        Per call it measures setup time (INVITE → 2xx), post-dial delay (INVITE → first 18x), \
        RTP loss, jitter, round trip from RTCP, late media frames, and an R-factor and MOS. On a \
        terminal one status line is updated in place; otherwise a plain line is printed every \
        --progress-interval seconds. A summary table follows at the end. --report FILE writes one \
        row per call (CSV, or JSON lines when FILE ends in .jsonl or .json); --svg FILE charts the \
        run; --metrics HOST:PORT serves Prometheus metrics while it runs (and --metrics-linger \
        seconds after it, for the last scrape). Several load processes scraped by one Prometheus \
        add up with sum(callwire_load_calls_total).
        """)

    @Option(help: "Whom to call, e.g. sip:ivr@127.0.0.1:5070.")
    var to: String
    @Option(help: "The Request-URI when it differs from --to.")
    var uri: String?
    @Option(help: "New calls per second.")
    var rate = 10.0
    @Option(help: "How many calls to place in all.")
    var calls = 10
    @Option(help: "The most calls up at once; a new call waits for a free slot.")
    var concurrent = 10
    @Option(help: "How long each answered call is held: 10s, 500ms, 2m, or seconds.")
    var duration = "10s"
    @Option(help: "Each call's pipeline: a file or the text itself (default: a spoken prompt; see --show-pipeline).")
    var pipeline: String?
    @Flag(name: .customLong("show-pipeline"), help: "Print the pipeline these options give each call and exit.")
    var showPipeline = false
    @Option(help: "Offer only these codecs, in this order (G.711 by default; e.g. speex/16000,PCMU).")
    var codecs = "PCMU,PCMA"
    @Option(help: "Media encryption, as the caller's --srtp: off, optional (SRTP when the far end takes it) or mandatory.")
    var srtp = "optional"

    @Option(name: .customLong("expect-dtmf"), help: "Check: the far end sends exactly these keys.")
    var expectDTMF: String?
    @Option(name: .customLong("expect-text"), help: "Check: the far end says this (recognized speech).")
    var expectText: String?
    @Option(name: .customLong("max-wer"), help: "Largest word error rate --expect-text allows: 0.25 or 25%.")
    var maxWER = "0.25"
    @Option(name: .customLong("expect-tone"), help: "Check: the far end sends a steady tone at this frequency, in Hz (at least 200 ms).")
    var expectTone: Int?
    @Option(name: .customLong("min-mos"), help: "Check: the call's estimated MOS is at least this (1…4.5).")
    var minMOS: Double?
    @Option(name: .customLong("max-failures"), help: "Failed calls allowed for exit status 0: a count or a percentage (1%).")
    var maxFailures = "0"

    @Option(help: "Write one row per call to this file: CSV, or JSON lines for .jsonl/.json.")
    var report: String?
    @Option(help: "Draw calls per second, calls up and setup-time percentiles over time to this SVG file.")
    var svg: String?
    @Option(name: .customLong("progress-interval"), help: "Seconds between status lines when stdout is not a terminal.")
    var progressInterval = 5.0
    @Option(help: "Serve Prometheus metrics at HOST:PORT (GET /metrics) while running.")
    var metrics: String?
    @Option(name: .customLong("metrics-linger"),
            help: "Keep serving --metrics this many seconds after the last call, so a scraper reads the final counts.")
    var metricsLinger = 0.0

    @OptionGroup(title: "Network and SIP") var network: LoadNetworkArguments
    @Flag(name: .shortAndLong, help: "Verbose: the endpoint's log lines on stderr.")
    var verbose = false

    func execute(in environment: CLIEnvironment) async throws -> Int32 {
        try await LoadRun(settings: try LoadSettings(self), environment: environment).run()
    }
}

/// The network and SIP options of `callwire load` (the caller's, where a load test needs them).
struct LoadNetworkArguments: ParsableArguments {
    @Option(name: .customLong("int-ip"), help: "Listening IP address for SIP and RTP.")
    var intIP = "0.0.0.0"
    @Option(name: .customLong("ext-ip"), help: "IP address to advertise in SIP/SDP.")
    var extIP: String?
    @Option(help: "SIP transport for the calls: udp, tcp or tls.")
    var transport = "udp"
    @Option(help: "SIP listening port (0: any free port).")
    var port = 0
    @Option(help: "Outbound proxy as host[:port] (empty: none).")
    var proxy = ""
    @Option(help: "User name in my SIP address (From) and Contact.")
    var user = "load"
    @Option(help: "Domain of my SIP address.")
    var domain = "localhost"
    @Option(help: "User name for digest authentication.")
    var authuser = ""
    @Option(help: "Password for digest authentication.")
    var authpass = ""
    @Option(name: .customLong("user-agent"), help: "User-Agent header (empty: none).")
    var userAgent = ""
    @Option(help: "DNS server for RFC 3263 lookups, HOST[:PORT]. Default: the system's.")
    var nameserver: String?
    @Option(name: .customLong("tls-ca"), help: "Trust these CA certificates (PEM) for TLS.")
    var tlsCA: String?
    @Option(name: .customLong("user-range"),
            help: "Place the calls as these users in turn, e.g. 1000-1099 (each authenticates as itself with --authpass).")
    var userRange: String?
    @Flag(help: "Register the users (--user, or each of --user-range) with the domain's registrar or --proxy first; unregister at the end.")
    var register = false
}
