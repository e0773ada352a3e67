import Foundation

/// The text `callwire load` shows: the live status line and the summary table at the end.
enum LoadSummary {
    /// One status line: elapsed, started, answered, failed, active, achieved rate, setup
    /// p50/p95, mean MOS, late frames.
    static func statusLine(_ s: LoadTally.Snapshot, elapsed: Double, planned: Int) -> String {
        let rate = elapsed > 0 ? Double(s.started) / elapsed : 0
        let p50 = LoadTally.percentile(s.setupSeconds, 50).map { milliseconds($0) } ?? "-"
        let p95 = LoadTally.percentile(s.setupSeconds, 95).map { milliseconds($0) } ?? "-"
        let mos = s.meanMOS.map { String(format: "%.2f", $0) } ?? "-"
        return String(format: "%6.1fs", elapsed) + "  started \(s.started)/\(planned)  answered \(s.answered)  failed \(s.failed)"
            + "  active \(s.active)  rate " + String(format: "%.1f/s", rate) + "  setup p50 \(p50) p95 \(p95)  MOS \(mos)"
            + "  late \(s.lateFrames)"
    }

    /// The table at the end.
    static func table(_ s: LoadTally.Snapshot, elapsed: Double) -> [String] {
        var lines = ["", "callwire load: \(s.started) call(s) in " + String(format: "%.1f s", elapsed)
                         + ", \(s.passed) passed, \(s.failed) failed", ""]
        lines.append(pad("outcome", 16) + "calls")
        for (outcome, count) in s.byOutcome.sorted(by: { $0.key < $1.key }) { lines.append(pad(outcome, 16) + "\(count)") }
        lines.append("")
        lines.append(pad("final status", 16) + "calls")
        for (status, count) in s.byStatus.sorted(by: { $0.key < $1.key }) {
            lines.append(pad(status == 0 ? "none" : String(status), 16) + "\(count)")
        }
        lines.append("")
        lines.append(pad("", 16) + pad("min", 9) + pad("p50", 9) + pad("p95", 9) + pad("p99", 9) + pad("max", 9) + "mean")
        lines.append(row("setup (ms)", s.setupSeconds.map { $0 * 1_000 }, format: "%.1f"))
        lines.append(row("MOS", s.mos, format: "%.2f"))
        lines.append("")
        lines.append("packets received \(s.packetsReceived), lost \(s.packetsLost) (" + String(format: "%.3f", s.lossPercent)
                     + " %), late frames \(s.lateFrames)")
        if s.checksFailed.isEmpty {
            lines.append("checks failed: none")
        } else {
            lines.append("checks failed: " + s.checksFailed.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        return lines
    }

    private static func row(_ name: String, _ values: [Double], format: String) -> String {
        guard !values.isEmpty else { return pad(name, 16) + "-" }
        let cells = [values.min(), LoadTally.percentile(values, 50), LoadTally.percentile(values, 95), LoadTally.percentile(values, 99),
                     values.max()].map { pad(String(format: format, $0 ?? 0), 9) }
        return pad(name, 16) + cells.joined() + String(format: format, values.reduce(0, +) / Double(values.count))
    }

    private static func milliseconds(_ seconds: Double) -> String { String(format: "%.0fms", seconds * 1_000) }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
    }
}
