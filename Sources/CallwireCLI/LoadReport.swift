import Endpoint
import Foundation
import Synchronization

/// `--report FILE`: one row per call, written as each call finishes (nothing is kept): CSV with
/// a header, or JSON lines when the file ends in `.jsonl` or `.json`.
final class LoadReportWriter: Sendable {
    /// The columns, in order (CSV header and JSON keys).
    static let columns = ["call", "call_id", "user", "start_s", "outcome", "status", "reason", "setup_ms", "post_dial_delay_ms",
                          "connected_s", "codec", "packets_received", "packets_lost", "loss_pct", "jitter_ms", "rtt_ms",
                          "late_frames", "r_factor", "mos", "dtmf", "tones_hz", "heard", "wer", "failed_checks"]

    private let handle: Mutex<FileHandle>
    private let json: Bool

    /// Creates (truncates) `path` and writes the CSV header.
    /// - Throws: ``CommandFailure`` naming the file when it cannot be created.
    init(path: String) throws(CommandFailure) {
        let lower = path.lowercased()
        json = lower.hasSuffix(".jsonl") || lower.hasSuffix(".json")
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw CommandFailure.error("--report: cannot create \(path)")
        }
        handle = Mutex(file)
        if !json { write(Self.columns.joined(separator: ",")) }
    }

    /// Appends the row of `result`.
    func append(_ result: LoadCallResult) {
        let values = Self.values(result)
        if json {
            var parts: [String] = []
            for (key, value) in zip(Self.columns, values) { parts.append("\"\(key)\":\(value.json)") }
            write("{" + parts.joined(separator: ",") + "}")
        } else {
            write(values.map(\.csv).joined(separator: ","))
        }
    }

    /// Flushes and closes the file.
    func close() {
        handle.withLock { try? $0.close() }
    }

    private func write(_ line: String) {
        handle.withLock { $0.write(Data((line + "\n").utf8)) }
    }

    /// A cell: text, a number, or nothing.
    enum Value {
        case text(String), number(Double), integer(Int), none

        var csv: String {
            switch self {
            case .text(let s):
                return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
            case .number(let n): return String(format: "%.3f", n)
            case .integer(let n): return String(n)
            case .none: return ""
            }
        }

        var json: String {
            switch self {
            case .text(let s): return JSONValue.string(s).encoded
            case .number(let n): return JSONValue.double(n).encoded
            case .integer(let n): return JSONValue.int(n).encoded
            case .none: return JSONValue.null.encoded
            }
        }
    }

    static func values(_ r: LoadCallResult) -> [Value] {
        func number(_ value: Double?) -> Value { value.map(Value.number) ?? .none }
        return [.integer(r.number), .text(r.callID), .text(r.user), .number(r.startOffset), .text(r.outcome.rawValue), .integer(r.status), .text(r.reason),
                number(r.setupMilliseconds), number(r.postDialDelayMilliseconds), number(r.connectedSeconds), .text(r.codec),
                .integer(r.received), .integer(r.lost), .number(r.lossPercent), .number(r.jitterMilliseconds), number(r.roundTripMilliseconds),
                .integer(r.lateFrames), number(r.rFactor), number(r.mos), .text(r.digits),
                .text(r.tones.map(String.init).joined(separator: " ")), .text(r.heard), number(r.wordErrorRate),
                .text(r.failedChecks.map(\.rawValue).joined(separator: " "))]
    }
}
