@testable import CallwireCLI
import CallwireMetrics
import Foundation
import Testing

/// `callwire load`'s parts that need no network: the E-model, option checking, a call's
/// verdict, the report rows and the metrics exposition.
@Suite("callwire load (in process)")
struct LoadCommandTests {
    @Test("the E-model gives G.107's default R of 93.2 (MOS 4.41) for a perfect G.711 call")
    func perfectCall() {
        let model = EModel(codec: .g711, lossPercent: 0, delayMilliseconds: 0)
        #expect(abs(model.rFactor - 93.2) < 1e-9)
        #expect(abs(model.mos - 4.409) < 0.001)
    }

    @Test("loss costs what Ie,eff says: 3 % random loss on G.711 with PLC (Bpl 25.1) is R 83.06, MOS 4.13")
    func lossImpairment() {
        let model = EModel(codec: .g711, lossPercent: 3, delayMilliseconds: 0)
        // Ie,eff = 95 · 3 / (3 + 25.1) = 10.142
        #expect(abs(model.effectiveEquipmentImpairment - 10.142) < 0.001)
        #expect(abs(model.rFactor - 83.058) < 0.001)
        #expect(abs(model.mos - 4.134) < 0.001)
        // Without concealment the same loss hurts far more (Bpl 4.3).
        #expect(EModel(codec: .g711WithoutConcealment, lossPercent: 3, delayMilliseconds: 0).mos < 3.2)
    }

    @Test("delay costs 0.024 per ms up to 177.3 ms and 0.11 more per ms beyond")
    func delayImpairment() {
        #expect(abs(EModel(codec: .g711, lossPercent: 0, delayMilliseconds: 100).delayImpairment - 2.4) < 1e-9)
        #expect(abs(EModel(codec: .g711, lossPercent: 0, delayMilliseconds: 277.3).delayImpairment - (0.024 * 277.3 + 11)) < 1e-9)
        #expect(EModel.Codec.named("PCMA/8000") == .g711)
        #expect(EModel.Codec.named("speex/16000") == .celp)
        #expect(EModel.mos(r: -5) == 1 && EModel.mos(r: 120) == 4.5)
    }

    private func settings(_ extra: [String] = []) throws -> LoadSettings {
        let command = try LoadCommand.parse(["--to", "sip:ivr@127.0.0.1:5070"] + extra)
        return try LoadSettings(command)
    }

    @Test("options are checked: durations, failure limits, WER, and bad values are named")
    func options() throws {
        let s = try settings(["--duration", "500ms", "--max-failures", "2%", "--max-wer", "10%", "--expect-dtmf", "42#"])
        #expect(s.options.duration == 0.5)
        #expect(s.maxFailures == .percent(2))
        #expect(s.maxWER == 0.1)
        #expect(s.expectDTMF == "42#")
        #expect(s.maxFailures.allows(2, of: 100) && !s.maxFailures.allows(3, of: 100))
        #expect(try settings(["--max-failures", "3"]).maxFailures == .count(3))
        #expect(try settings(["--duration", "2m"]).options.duration == 120)
        for (bad, named) in [(["--duration", "soon"], "--duration"), (["--max-failures", "lots"], "--max-failures"),
                             (["--rate", "0"], "--rate"), (["--expect-dtmf", "12x"], "--expect-dtmf"), (["--metrics", "nohost"], "--metrics")] {
            #expect(throws: CommandFailure.self) { try settings(bad) }
            do { _ = try settings(bad) } catch let failure as CommandFailure { #expect(failure.description.contains(named)) }
        }
        #expect(throws: CommandFailure.self) { try settings(["--to", "ivr"]) }
    }

    @Test("--user-range lists the users (keeping leading zeros), each answers challenges itself; bad ranges and --authuser with it are refused by name")
    func userRange() throws {
        let s = try settings(["--user-range", "1000-1004", "--authpass", "secret", "--register"])
        #expect(s.users == ["1000", "1001", "1002", "1003", "1004"])
        #expect(s.register)
        #expect(s.options.userPassword == "secret")
        #expect(try settings(["--user-range", "0098-0101"]).users == ["0098", "0099", "0100", "0101"])
        #expect(try settings([]).users == ["load"], "without a range, calls come from --user")
        for bad in [["--user-range", "5-1"], ["--user-range", "a-b"], ["--user-range", "1000"], ["--user-range", "0-100000"],
                    ["--user-range", "1-2", "--authuser", "x"]] {
            do {
                _ = try settings(bad)
                Issue.record("\(bad) was accepted")
            } catch let failure as CommandFailure {
                #expect(failure.description.contains(bad.count > 2 ? "--authuser" : "--user-range"), "\(failure)")
            }
        }
        let tone = try #require(try settings(["--expect-tone", "1000"]).options.pipeline)
        #expect(tone.contains("tone-detector freq=1000"))
        for bad in [["--expect-tone", "20"], ["--expect-tone", "4000"], ["--expect-tone", "7000", "--codecs", "speex/16000,PCMU"]] {
            do {
                _ = try settings(bad)
                Issue.record("\(bad) was accepted")
            } catch let failure as CommandFailure {
                #expect(failure.description.contains("--expect-tone") && failure.description.contains("4000 Hz"), "\(failure)")
            }
        }
        #expect(try settings(["--expect-tone", "7000", "--codecs", "G722,opus"]).expectTone == 7_000)
    }

    @Test("the default pipeline speaks, reports DTMF, and recognizes only when --expect-text asks")
    func defaultPipeline() throws {
        #expect(try settings().options.pipeline?.contains("recognizer") == false)
        let text = try #require(try settings(["--expect-text", "hello world"]).options.pipeline)
        #expect(text.contains("recognizer") && text.contains("dtmf-receiver") && text.contains("tts"))
    }

    @Test("a call passes only when answered and every check holds")
    func verdicts() throws {
        let s = try settings(["--expect-dtmf", "42", "--expect-text", "hello world", "--max-wer", "0.5", "--min-mos", "4"])
        var call = LoadCallResult(number: 1, startOffset: 0)
        call.status = 200
        call.codec = "PCMU/8000"
        call.received = 500
        call.digits = "42"
        call.heard = "hello world"
        call.evaluate(s)
        #expect(call.outcome == .passed && call.failedChecks.isEmpty)
        #expect((call.mos ?? 0) > 4.3)
        call.digits = "4"
        call.heard = "yellow"
        call.evaluate(s)
        #expect(call.outcome == .failedCheck && call.failedChecks == [.dtmf, .text])
        #expect(call.wordErrorRate == 1)
        call.digits = "42"
        call.heard = "hello world"
        call.lost = 100   // 16.7 % loss
        call.evaluate(s)
        #expect(call.failedChecks == [.mos])
        var refused = LoadCallResult(number: 2, startOffset: 1)
        refused.callID = "abc@127.0.0.1"
        refused.status = 486
        refused.evaluate(s)
        #expect(refused.outcome == .notAnswered && refused.failedChecks == [.answered] && refused.mos == nil)
        var unplaced = LoadCallResult(number: 3, startOffset: 2)
        unplaced.evaluate(s)
        #expect(unplaced.outcome == .error)
    }

    @Test("the report has a header and one row per call in CSV, and one JSON object per call in .jsonl")
    func reportRows() throws {
        let directory = try temporaryDirectory("load-report")
        var call = LoadCallResult(number: 7, startOffset: 0.5)
        call.status = 200
        call.reason = "BYE, from \"them\""
        call.heard = "hello"
        call.outcome = .passed
        call.user = "1007"
        for name in ["calls.csv", "calls.jsonl"] {
            let path = directory.appendingPathComponent(name).path
            let writer = try LoadReportWriter(path: path)
            writer.append(call)
            writer.append(call)
            writer.close()
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            if name.hasSuffix(".csv") {
                #expect(lines.count == 3)
                #expect(lines[0].hasPrefix("call,call_id,user,start_s,outcome,status"))
                #expect(lines[1].hasPrefix("7,,1007,0.500,passed,200,\"BYE, from \"\"them\"\"\""))
            } else {
                #expect(lines.count == 2)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
                #expect(object["call"] as? Int == 7)
                #expect(object["reason"] as? String == "BYE, from \"them\"")
                #expect(object["heard"] as? String == "hello")
                #expect(object["mos"] is NSNull)
                #expect(object.count == LoadReportWriter.columns.count)
            }
        }
    }

    @Test("the metrics are a valid exposition with cumulative histograms, and promtool accepts them")
    func metrics() throws {
        let tally = LoadTally()
        for (setup, mos) in [(0.004, 4.4), (0.03, 4.1), (20.0, 2.0)] {
            tally.started()
            tally.answered(setupSeconds: setup)
            var call = LoadCallResult(number: 1, startOffset: 0)
            call.status = 200
            call.outcome = .passed
            call.mos = mos
            call.received = 100
            call.lost = 1
            tally.finished(call)
        }
        let families = LoadMetrics.families(tally.snapshot)
        #expect(PrometheusText.validate(families) == nil)
        let text = PrometheusText.encode(families)
        #expect(text.contains("callwire_load_setup_seconds_bucket{le=\"0.005\"} 1\n"))
        #expect(text.contains("callwire_load_setup_seconds_bucket{le=\"0.05\"} 2\n"))
        #expect(text.contains("callwire_load_setup_seconds_bucket{le=\"+Inf\"} 3\n"))
        #expect(text.contains("callwire_load_setup_seconds_count 3\n"))
        #expect(text.contains("callwire_load_calls_total{outcome=\"passed\"} 3\n"))
        #expect(text.contains("callwire_load_packets_lost_total 3\n"))
        let promtool = try requireTool("promtool")
        let file = try temporaryDirectory("load-metrics").appendingPathComponent("metrics.txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let checked = try runProcess("/bin/sh", ["-c", "\(promtool) check metrics < \(file.path)"])
        #expect(checked.status == 0, "promtool: \(checked.out) \(checked.err)")
    }
}
