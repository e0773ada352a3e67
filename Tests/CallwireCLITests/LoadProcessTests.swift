import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import Testing

/// `callwire load` as a user runs it, against `callwire --listen --max-calls N` answering each
/// call with a spoken prompt and DTMF keys: every call is checked by what it heard.
@Suite("callwire load against callwire --listen (processes)", .serialized)
struct LoadProcessTests {
    /// The far end: an IVR that says "one two three four five" and sends the keys 4 2 on every call.
    static let ivrPipeline = """
        tts voice=rms text="one two three four five" keep-open=true ! resample ! @encoder ! @rtp-out name=tx
        dtmf-injector digits=42 keep-open=true ! tx.events
        @rtp-in ! jitter-buffer ! @decoder ! null-sink
        """

    /// Starts the IVR on a free port; the caller terminates it.
    static func startIVR(maxCalls: Int, extra: [String] = []) throws -> (Process, Int) {
        let port = FreePort.next([.udp, .tcp])
        let ivr = Process()
        ivr.executableURL = try callwireExecutable()
        ivr.arguments = ["--listen", "--max-calls", String(maxCalls), "--auto-respond-after=0", "--int-ip=127.0.0.1", "--port=\(port)",
                         "-q", "--pipeline", ivrPipeline] + extra
        ivr.standardInput = FileHandle.nullDevice
        ivr.standardOutput = FileHandle.nullDevice
        try ivr.run()
        try Readiness.waitUntilListeningSync(port: port)
        return (ivr, port)
    }

    @Test("20 calls at 10/s, 10 at once, 3 s each: all answered with the IVR's DTMF checked, 20 report rows, an SVG, plain progress lines")
    func twentyCalls() throws {
        let (ivr, port) = try Self.startIVR(maxCalls: 12)
        defer { if ivr.isRunning { ivr.terminate() } }
        let directory = try temporaryDirectory("load")
        let report = directory.appendingPathComponent("calls.jsonl"), chart = directory.appendingPathComponent("load.svg")
        let run = try runProcess(try callwireExecutable().path, [
            "load", "--to", "sip:ivr@127.0.0.1:\(port)", "--int-ip", "127.0.0.1", "--rate", "10", "--calls", "20",
            "--concurrent", "10", "--duration", "3s", "--expect-dtmf", "42",
            "--report", report.path, "--svg", chart.path, "--progress-interval", "1"])
        #expect(run.status == 0, "\(run.out.suffix(3000)) \(run.err.suffix(2000))")
        let rows = try reportRows(report)
        #expect(rows.count == 20)
        for object in rows {
            let row = object.description
            #expect(object["outcome"] as? String == "passed", "\(row)")
            #expect(object["dtmf"] as? String == "42", "\(row)")
            #expect(object["status"] as? Int == 200)
            #expect((object["setup_ms"] as? Double ?? 0) > 0)
            #expect((object["mos"] as? Double ?? 0) > 4, "\(row)")
            #expect((object["packets_received"] as? Int ?? 0) > 100, "about 150 packets in 3 s: \(row)")
        }
        #expect(run.out.contains("20 call(s)") && run.out.contains("20 passed, 0 failed"), "\(run.out.suffix(2000))")
        #expect(run.out.contains("checks failed: none"))
        let svg = try String(contentsOf: chart, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("<polyline") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "fill=\"#4a7ab7\"/>").count >= 3, "a bar for each second calls were placed in")
        // Not a terminal: plain status lines, never a carriage return or an escape sequence.
        #expect(run.out.split(separator: "\n").filter { $0.contains("started ") && $0.contains("answered ") }.count >= 2)
        #expect(!run.out.contains("\r") && !run.out.contains("\u{1B}"))
        ivr.interrupt()
        ivr.waitUntilExit()
    }

    @Test("the far end's prompt is recognized in every call and checked against --expect-text (WER ≤ 20 %)")
    func speechChecked() throws {
        let (ivr, port) = try Self.startIVR(maxCalls: 4)
        defer { if ivr.isRunning { ivr.terminate() } }
        let report = try temporaryDirectory("load-text").appendingPathComponent("calls.jsonl")
        // One call at a time: each runs a speech recognizer, heavy in a debug build on a shared machine.
        let run = try runProcess(try callwireExecutable().path, [
            "load", "--to", "sip:ivr@127.0.0.1:\(port)", "--int-ip", "127.0.0.1", "--rate", "10", "--calls", "3",
            "--concurrent", "1", "--duration", "4s", "--expect-dtmf", "42", "--expect-text", "one two three four five",
            "--max-wer", "20%", "--report", report.path])
        #expect(run.status == 0, "\(run.out.suffix(3000)) \(run.err.suffix(2000))")
        let rows = try reportRows(report)
        #expect(rows.count == 3)
        for object in rows {
            let row = object.description
            #expect(object["outcome"] as? String == "passed", "\(row)")
            #expect((object["heard"] as? String ?? "").contains("three four five"), "\(row)")
            #expect((object["wer"] as? Double ?? 1) <= 0.2, "\(row)")
        }
        // A check that cannot hold fails every call, and the exit status says so.
        let wrong = try runProcess(try callwireExecutable().path, [
            "load", "--to", "sip:ivr@127.0.0.1:\(port)", "--int-ip", "127.0.0.1", "--calls", "1", "--duration", "2s",
            "--expect-dtmf", "99"])
        #expect(wrong.status == 2)
        #expect(wrong.out.contains("checks failed: dtmf 1"), "\(wrong.out.suffix(1500))")
        ivr.interrupt()
        ivr.waitUntilExit()
    }

    @Test("--metrics serves the running test's counters, and promtool check metrics accepts the live exposition; the far end's caller --metrics counts the same calls")
    func metricsWhileRunning() throws {
        let promtool = try requireTool("promtool")
        let ivrMetricsPort = FreePort.next([.tcp])
        let (ivr, port) = try Self.startIVR(maxCalls: 4, extra: ["--metrics", "127.0.0.1:\(ivrMetricsPort)"])
        defer { if ivr.isRunning { ivr.terminate() } }
        let metricsPort = FreePort.next([.tcp])
        let load = Process()
        load.executableURL = try callwireExecutable()
        load.arguments = ["load", "--to", "sip:ivr@127.0.0.1:\(port)", "--int-ip", "127.0.0.1", "--rate", "4", "--calls", "4",
                          "--concurrent", "4", "--duration", "3s", "--expect-dtmf", "42", "--metrics", "127.0.0.1:\(metricsPort)"]
        load.standardOutput = FileHandle.nullDevice
        load.standardInput = FileHandle.nullDevice
        try load.run()
        defer { if load.isRunning { load.terminate() } }
        try Readiness.waitUntilListeningSync(port: metricsPort, tcp: true)
        var exposition = ""
        try Readiness.waitSync(for: "four calls answered in the metrics", timeout: .seconds(30), poll: .milliseconds(200)) {
            exposition = Self.scrape(port: metricsPort) ?? ""
            return exposition.contains("callwire_load_calls_answered_total 4\n")
        }
        #expect(exposition.contains("callwire_load_calls_started_total 4\n"))
        #expect(exposition.contains("# TYPE callwire_load_setup_seconds histogram"))
        #expect(exposition.contains("callwire_load_setup_seconds_count 4\n"))
        let file = try temporaryDirectory("load-scrape").appendingPathComponent("scrape.txt")
        try exposition.write(to: file, atomically: true, encoding: .utf8)
        let checked = try runProcess("/bin/sh", ["-c", "\(promtool) check metrics < \(file.path)"])
        #expect(checked.status == 0, "promtool: \(checked.out) \(checked.err)")
        load.waitUntilExit()
        #expect(load.terminationStatus == 0)
        // The far end (a caller with --metrics) saw four incoming calls, answered and ended,
        // with their setup times and a MOS each once their media statistics came in.
        var far = ""
        try Readiness.waitSync(for: "the far end's metrics to count four ended calls with MOS", timeout: .seconds(20), poll: .milliseconds(200)) {
            far = Self.scrape(port: ivrMetricsPort) ?? ""
            return far.contains("callwire_caller_mos_count 4\n")
        }
        #expect(far.contains("callwire_caller_calls_started_total{direction=\"incoming\"} 4\n"), "\(far)")
        #expect(far.contains("callwire_caller_calls_total{outcome=\"answered\"} 4\n"))
        #expect(far.contains("callwire_caller_active_calls 0\n"))
        #expect(far.contains("callwire_caller_setup_seconds_count 4\n"))
        let received = far.split(separator: "\n").first { $0.hasPrefix("callwire_caller_packets_received_total ") }
        #expect((received.flatMap { Double($0.split(separator: " ")[1]) } ?? 0) > 400, "about 150 packets per 3 s call: \(received ?? "")")
        let farFile = file.deletingLastPathComponent().appendingPathComponent("far.txt")
        try far.write(to: farFile, atomically: true, encoding: .utf8)
        let farChecked = try runProcess("/bin/sh", ["-c", "\(promtool) check metrics < \(farFile.path)"])
        #expect(farChecked.status == 0, "promtool: \(farChecked.out) \(farChecked.err)")
        ivr.interrupt()
        ivr.waitUntilExit()
    }

    @Test("on a pseudo-terminal the status line is rewritten in place (carriage return, erase line)")
    func liveLineOnTerminal() throws {
        let script = try requireTool("script")
        let (ivr, port) = try Self.startIVR(maxCalls: 4)
        defer { if ivr.isRunning { ivr.terminate() } }
        let command = [try callwireExecutable().path, "load", "--to", "sip:ivr@127.0.0.1:\(port)", "--int-ip", "127.0.0.1",
                       "--rate", "4", "--calls", "4", "--concurrent", "4", "--duration", "2s"].joined(separator: " ")
        // script(1) runs the command on a new pseudo-terminal and copies what it writes.
        let run = try runProcess(script, ["-q", "-e", "-c", command, "/dev/null"])
        #expect(run.status == 0, "\(run.out.suffix(2000))")
        let rewrites = run.out.components(separatedBy: "\r\u{1B}[K")
        #expect(rewrites.count >= 3, "the line was rewritten several times: \(run.out.prefix(500).debugDescription)")
        #expect(rewrites.dropFirst().allSatisfy { $0.contains("started ") })
        #expect(run.out.contains("4 passed, 0 failed"))
        ivr.interrupt()
        ivr.waitUntilExit()
    }

    @Test("--expect-tone: a far end playing 1 kHz passes --expect-tone 1000 and fails --expect-tone 1500; the report lists the tones heard")
    func toneChecked() throws {
        let port = FreePort.next([.udp, .tcp])
        let far = Process()
        far.executableURL = try callwireExecutable()
        far.arguments = ["--listen", "--max-calls", "4", "--auto-respond-after=0", "--int-ip=127.0.0.1", "--port=\(port)", "-q",
                         "--pipeline", "sine freq=1000 level=-12dB ! @encoder ! @rtp-out  @rtp-in ! jitter-buffer ! @decoder ! null-sink"]
        far.standardInput = FileHandle.nullDevice
        far.standardOutput = FileHandle.nullDevice
        try far.run()
        defer { if far.isRunning { far.terminate() } }
        try Readiness.waitUntilListeningSync(port: port)
        let report = try temporaryDirectory("load-tone").appendingPathComponent("calls.jsonl")
        let run = try runProcess(try callwireExecutable().path, [
            "load", "--to", "sip:tone@127.0.0.1:\(port)", "--int-ip", "127.0.0.1", "--rate", "5", "--calls", "3",
            "--concurrent", "3", "--duration", "2s", "--expect-tone", "1000", "--report", report.path])
        #expect(run.status == 0, "\(run.out.suffix(3000)) \(run.err.suffix(2000))")
        let rows = try reportRows(report)
        #expect(rows.count == 3)
        for object in rows {
            let row = object.description
            #expect(object["outcome"] as? String == "passed", "\(row)")
            #expect(object["tones_hz"] as? String == "1000", "\(row)")
        }
        let wrong = try runProcess(try callwireExecutable().path, [
            "load", "--to", "sip:tone@127.0.0.1:\(port)", "--int-ip", "127.0.0.1", "--rate", "5", "--calls", "2",
            "--concurrent", "2", "--duration", "2s", "--expect-tone", "1500"])
        #expect(wrong.status == 2)
        #expect(wrong.out.contains("checks failed: tone 2"), "\(wrong.out.suffix(1500))")
        // A pipeline of one's own must hear the tone itself.
        let bare = try runProcess(try callwireExecutable().path, [
            "load", "--to", "sip:tone@127.0.0.1:\(port)", "--expect-tone", "1000", "--pipeline", "@rtp-in ! @decoder ! null-sink"])
        #expect(bare.status != 0 && bare.err.contains("--expect-tone needs a tone-detector"), "\(bare.err)")
        far.interrupt()
        far.waitUntilExit()
    }

    @Test("3 % loss from an impair node in the far end's pipeline (after @rtp-out): loss is measured, MOS drops as the E-model predicts (±0.2), the checks still pass")
    func impairedFarEnd() throws {
        func farEnd(_ network: String) throws -> (Process, Int) {
            let port = FreePort.next([.udp, .tcp])
            let far = Process()
            far.executableURL = try callwireExecutable()
            far.arguments = ["--listen", "--max-calls", "6", "--auto-respond-after=0", "--int-ip=127.0.0.1", "--port=\(port)", "-q",
                             "--pipeline", """
                                 sine freq=1000 level=-12dB ! @encoder ! @rtp-out name=tx \(network)
                                 dtmf-injector digits=42 keep-open=true ! tx.events
                                 @rtp-in ! jitter-buffer ! @decoder ! null-sink
                                 """]
            far.standardInput = FileHandle.nullDevice
            far.standardOutput = FileHandle.nullDevice
            try far.run()
            try Readiness.waitUntilListeningSync(port: port)
            return (far, port)
        }
        /// Mean R-factor and MOS, and the loss, of a run of four 6 s calls.
        func run(_ network: String) throws -> (r: Double, mos: Double, loss: Double) {
            let (far, port) = try farEnd(network)
            defer { far.interrupt(); far.waitUntilExit() }
            let report = try temporaryDirectory("load-impair").appendingPathComponent("calls.jsonl")
            let result = try runProcess(try callwireExecutable().path, [
                "load", "--to", "sip:ivr@127.0.0.1:\(port)", "--int-ip", "127.0.0.1", "--rate", "4", "--calls", "4",
                "--concurrent", "4", "--duration", "6s", "--expect-tone", "1000", "--expect-dtmf", "42", "--report", report.path])
            #expect(result.status == 0, "the checks pass: \(result.out.suffix(2500))")
            let rows = try reportRows(report)
            #expect(rows.count == 4)
            let mean = { (key: String) in rows.map { $0[key] as? Double ?? .nan }.reduce(0, +) / Double(max(rows.count, 1)) }
            return (mean("r_factor"), mean("mos"), mean("loss_pct"))
        }
        let clean = try run("")
        let impaired = try run("! impair loss=3% seed=7 ! @network")
        #expect(clean.loss == 0)
        #expect((2.0...4.5).contains(impaired.loss), "about 3 % lost: \(impaired.loss) %")
        // ITU-T G.107 §3.5 with G.113 Appendix I's G.711 (PLC) values: Ie = 0, Bpl = 25.1;
        // random loss (BurstR 1). The delay term is the same in both runs, so it cancels.
        let ieEffective = 95 * 3.0 / (3.0 + 25.1)
        func mos(_ r: Double) -> Double { 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6 }
        let predictedDrop = mos(clean.r) - mos(clean.r - ieEffective)
        let measuredDrop = clean.mos - impaired.mos
        #expect(abs(measuredDrop - predictedDrop) <= 0.2, "MOS fell \(measuredDrop); G.107 predicts \(predictedDrop) for 3 % loss")
        #expect(measuredDrop > 0.1, "the loss shows in the MOS: \(clean.mos) → \(impaired.mos)")
    }

    /// The body of `GET /metrics` on 127.0.0.1:`port`, or nil when it is not up or not 200 yet.
    static func scrape(port: Int) -> String? {
        guard let answer = try? httpGet(port: port, path: "/metrics"), answer.status == 200 else { return nil }
        return answer.body
    }
}
