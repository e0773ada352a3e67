import CallwireMetrics
import Endpoint
import Foundation
import SDP
import SIPCore
import SIPTransport

/// `callwire load`'s command line, checked and turned into what the run needs.
struct LoadSettings: Sendable {
    /// The endpoint's options: the target, network and SIP options, the call pipeline, the
    /// duration (the endpoint hangs each answered call up after it).
    var options: CallerOptions
    var to: NameAddress
    var uri: SIPURI?
    var rate: Double
    var calls: Int
    var concurrent: Int
    var showPipeline: Bool
    var expectDTMF: String?
    var expectText: String?
    /// Hz.
    var expectTone: Int?
    /// As a fraction (0.25).
    var maxWER: Double
    var minMOS: Double?
    var maxFailures: FailureLimit
    var report: String?
    var svg: String?
    var progressInterval: Double
    var metrics: (host: String, port: Int)?
    /// Seconds the metrics stay served after the run.
    var metricsLinger: Double
    /// The users calls are placed as, in turn (`--user-range`; else just `--user`).
    var users: [String]
    /// Register ``users`` before the first call.
    var register: Bool
    /// The calls are placed as ``users`` (`--user-range` was given), not as the endpoint's user.
    var dialsAsUsers: Bool
    var verbose: Bool

    /// How many failed calls still exit 0.
    enum FailureLimit: Sendable, Equatable {
        case count(Int)
        case percent(Double)

        /// Whether `failed` of `total` calls is within the limit.
        func allows(_ failed: Int, of total: Int) -> Bool {
            switch self {
            case .count(let limit): failed <= limit
            case .percent(let share): Double(failed) <= share / 100 * Double(total) + 1e-9
            }
        }
    }

    init(_ command: LoadCommand) throws(CommandFailure) {
        func usage(_ text: String) -> CommandFailure { CommandFailure.error(text, status: ExitStatus.usage) }
        guard let address = try? NameAddress.parse(command.to), command.to.contains(":") else {
            throw usage("--to '\(command.to)' is not a SIP address: give a scheme, e.g. sip:ivr@127.0.0.1:5070")
        }
        to = address
        if let text = command.uri {
            guard let parsed = try? SIPURI.parse(text) else { throw usage("--uri '\(text)' is not a SIP URI such as sip:ivr@example.com") }
            uri = parsed
        }
        guard command.rate >= 0.001, command.rate <= 100_000 else {
            throw usage("--rate must be 0.001 to 100000 calls per second, got \(command.rate)")
        }
        guard command.calls >= 1 else { throw usage("--calls must be at least 1, got \(command.calls)") }
        guard command.concurrent >= 1 else { throw usage("--concurrent must be at least 1, got \(command.concurrent)") }
        guard let seconds = Self.seconds(command.duration), seconds > 0 else {
            throw usage("--duration must be a time such as 10s, 500ms or 2m, got '\(command.duration)'")
        }
        guard let wer = Self.fraction(command.maxWER), wer >= 0 else {
            throw usage("--max-wer must be a fraction (0.25) or a percentage (25%), got '\(command.maxWER)'")
        }
        maxWER = wer
        if let mos = command.minMOS, !(1...4.5).contains(mos) { throw usage("--min-mos must be 1…4.5, got \(mos)") }
        minMOS = command.minMOS
        let limit = command.maxFailures.trimmingCharacters(in: .whitespaces)
        if limit.hasSuffix("%"), let share = Double(limit.dropLast()), (0...100).contains(share) {
            maxFailures = .percent(share)
        } else if let count = Int(limit), count >= 0 {
            maxFailures = .count(count)
        } else {
            throw usage("--max-failures must be a count (3) or a percentage (1%), got '\(command.maxFailures)'")
        }
        if let digits = command.expectDTMF {
            guard !digits.isEmpty, digits.allSatisfy({ "0123456789*#ABCDabcd".contains($0) }) else {
                throw usage("--expect-dtmf takes keys 0-9 * # A-D, got '\(digits)'")
            }
            expectDTMF = digits.uppercased()
        }
        if let text = command.expectText, text.split(separator: " ").isEmpty { throw usage("--expect-text needs at least one word") }
        expectText = command.expectText
        if let frequency = command.expectTone {
            // Every codec that may be negotiated must carry the tone: below half the lowest audio rate.
            let rate = Self.lowestAudioRate(command.codecs)
            guard frequency >= 50, frequency < rate / 2 else {
                throw usage("--expect-tone must be 50 Hz or more and below \(rate / 2) Hz (half of \(rate) Hz audio, "
                            + "the lowest of --codecs \(command.codecs)), got \(frequency)")
            }
            expectTone = frequency
        }
        guard command.progressInterval > 0 else { throw usage("--progress-interval must be more than 0 seconds") }
        progressInterval = command.progressInterval
        if let text = command.metrics {
            guard let parsed = MetricsServer.parseAddress(text) else { throw usage("--metrics must be HOST:PORT, got '\(text)'") }
            metrics = parsed
        }
        guard command.metricsLinger >= 0, command.metricsLinger <= 3_600 else {
            throw usage("--metrics-linger must be 0 to 3600 seconds, got \(command.metricsLinger)")
        }
        if command.metricsLinger > 0, command.metrics == nil { throw usage("--metrics-linger needs --metrics HOST:PORT") }
        metricsLinger = command.metricsLinger
        report = command.report
        svg = command.svg
        rate = command.rate
        calls = command.calls
        concurrent = command.concurrent
        showPipeline = command.showPipeline
        verbose = command.verbose

        var options = CallerOptions()
        let n = command.network
        options.quiet = !command.verbose
        options.verbose = false
        options.intIP = n.intIP
        options.extIP = n.extIP
        guard let kind = SIPTransportKind(token: n.transport.lowercased()) else {
            throw usage("--transport: unknown transport '\(n.transport)' (use udp, tcp or tls)")
        }
        options.transports = [kind]
        options.port = n.port
        options.proxy = n.proxy
        options.user = n.user
        options.domain = n.domain
        options.authUser = n.authuser
        options.authPass = n.authpass
        options.userAgent = n.userAgent
        options.nameserver = n.nameserver
        options.tlsCA = n.tlsCA
        if let range = n.userRange {
            users = try Self.users(range)
            guard n.authuser.isEmpty else {
                throw usage("--authuser does not go with --user-range: each user authenticates as itself (give --authpass)")
            }
            if !n.authpass.isEmpty { options.userPassword = n.authpass }
        } else {
            users = [n.user]
        }
        dialsAsUsers = n.userRange != nil
        register = n.register
        options.to = address
        options.uri = uri
        options.audio = false
        options.maxCalls = command.concurrent
        options.autoRespond = 486   // a load generator takes no calls
        options.duration = seconds
        guard let policy = MediaSecurity.Policy(rawValue: command.srtp.lowercased()) else {
            throw usage("--srtp must be off, optional or mandatory, got '\(command.srtp)'")
        }
        options.srtp = policy
        options.codecs = command.codecs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let source = command.pipeline {
            if FileManager.default.fileExists(atPath: source) {
                guard let text = try? String(contentsOfFile: source, encoding: .utf8) else {
                    throw CommandFailure.error("cannot read the pipeline file \(source)")
                }
                options.pipeline = text
                options.pipelineName = source
            } else if source.contains("!") || source.contains("@") {
                options.pipeline = source
            } else {
                throw CommandFailure.error("--pipeline: no such file \(source) (and it is not pipeline text)")
            }
            if command.expectTone != nil, options.pipeline?.contains("tone-detector") != true {
                throw usage("--expect-tone needs a tone-detector in --pipeline (e.g. '... @decoder ! tone-detector freq=\(command.expectTone ?? 1000) ! null-sink'), or leave --pipeline out")
            }
        } else {
            options.pipeline = Self.defaultPipeline(recognize: command.expectText != nil, tone: command.expectTone)
            options.pipelineName = "<callwire load's default pipeline>"
        }
        self.options = options
    }

    /// Each call's pipeline when `--pipeline` is not given: speak a short prompt, then send
    /// silence; decode what arrives, report DTMF keys, and recognize speech for `--expect-text`.
    /// The prompt uses dictionary words and flite's clearest voice through G.711 (`rms`), so a
    /// far end that echoes media (SIPp's `-rtp_echo`) can be checked with `--expect-text` on it.
    static func defaultPipeline(recognize: Bool, tone: Int? = nil) -> String {
        var lines = [
            "# callwire load: each call speaks a prompt, then sends silence until it is hung up",
            "tts voice=rms text=\"this is a test call please hold the line\" keep-open=true ! resample ! @encoder ! @rtp-out name=tx",
            "# what the far end sends: decoded, its DTMF keys reported",
            "@rtp-in name=rx ! jitter-buffer ! @decoder ! tee name=heard",
            "heard. ! null-sink",
            "rx.events ! dtmf-receiver name=digits",
        ]
        if recognize {
            lines.append("# --expect-text: what the far end says, recognized")
            lines.append("heard. ! resample ! recognizer name=asr")
        }
        if let tone {
            lines.append("# --expect-tone: a steady \(tone) Hz tone from the far end")
            lines.append("heard. ! tone-detector freq=\(tone)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `10s`, `500ms`, `2m`, `1.5` (seconds).
    static func seconds(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (suffix, scale) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)] where t.hasSuffix(suffix) {
            return Double(t.dropLast(suffix.count)).map { $0 * scale }
        }
        return Double(t)
    }

    /// `1000-1099` → 1000, 1001, … 1099; `0100-0199` keeps the width (0100, 0101, …). At most
    /// 100,000 users.
    static func users(_ range: String) throws(CommandFailure) -> [String] {
        let parts = range.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let first = Int(parts[0]), let last = Int(parts[1]), first >= 0, first <= last,
              parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else {
            throw CommandFailure.error("--user-range must be FIRST-LAST with FIRST ≤ LAST, e.g. 1000-1099, got '\(range)'",
                                       status: ExitStatus.usage)
        }
        guard last - first < 100_000 else {
            throw CommandFailure.error("--user-range \(range) has \(last - first + 1) users; at most 100000", status: ExitStatus.usage)
        }
        let width = parts[0].hasPrefix("0") ? parts[0].count : 0
        return (first...last).map { number in
            let digits = String(number)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
    }

    /// The lowest audio sample rate among `codecs` (`PCMU,speex/16000,G722`): G.711 and GSM are
    /// 8 kHz, G.722 16 kHz (its RTP clock says 8000, RFC 3551 §4.5.2), Opus 48 kHz, others as
    /// written (8 kHz when not).
    static func lowestAudioRate(_ codecs: String) -> Int {
        let rates = codecs.split(separator: ",").map { token -> Int in
            let parts = token.trimmingCharacters(in: .whitespaces).lowercased().split(separator: "/")
            switch parts.first ?? "" {
            case "pcmu", "pcma", "gsm": return 8_000
            case "g722": return 16_000
            case "opus": return 48_000
            default: return parts.count > 1 ? Int(parts[1]) ?? 8_000 : 8_000
            }
        }
        return rates.min() ?? 8_000
    }

    /// `0.25` or `25%`.
    static func fraction(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("%") { return Double(t.dropLast()).map { $0 / 100 } }
        return Double(t)
    }
}
