@testable import CallwireCLI
import CallwireMetrics
import Endpoint
import Testing

@Suite("callwire --metrics (the caller's calls as Prometheus families)")
struct CallerMetricsTests {
    /// The value of the sample `line` starts with (`name{labels}` then a space).
    func value(_ text: String, _ line: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(line + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test("an incoming call answered, one refused, an outgoing one answered: counted by direction and outcome, with setup and MOS")
    func counts() {
        let metrics = CallerMetrics()
        metrics.observe(.incomingCall(call: "a", from: "sip:x@h"))
        metrics.observe(.callState(call: "a", state: "ringing", hold: nil))
        metrics.observe(.codec(call: "a", codec: "PCMA/8000", payloadType: 8, telephoneEvent: nil, security: "unencrypted"))
        metrics.observe(.callState(call: "a", state: "active", hold: nil))
        metrics.observe(.incomingCall(call: "b", from: "sip:y@h"))
        metrics.observe(.callState(call: "c", state: "inviting", hold: nil))
        metrics.observe(.callState(call: "c", state: "active", hold: nil))
        var text = PrometheusText.encode(metrics.families)
        #expect(value(text, "callwire_caller_active_calls") == 3)
        metrics.observe(.callEnded(call: "b", reason: "refused with 486"))
        metrics.observe(.callEnded(call: "a", reason: "remote BYE"))
        metrics.observe(.rtpStatistics(call: "a", received: 97, lost: 3, jitterMilliseconds: 1, roundTripMilliseconds: nil, lateFrames: 2))
        metrics.observe(.rtpStatistics(call: "c", received: 100, lost: 0, jitterMilliseconds: 1, roundTripMilliseconds: 20, lateFrames: 0))
        metrics.observe(.callState(call: "c", state: "closed", hold: nil))
        metrics.observe(.callEnded(call: "c", reason: "local BYE"))   // the same end, counted once
        text = PrometheusText.encode(metrics.families)
        #expect(value(text, "callwire_caller_calls_started_total{direction=\"incoming\"}") == 2)
        #expect(value(text, "callwire_caller_calls_started_total{direction=\"outgoing\"}") == 1)
        #expect(value(text, "callwire_caller_calls_total{outcome=\"answered\"}") == 2)
        #expect(value(text, "callwire_caller_calls_total{outcome=\"not-answered\"}") == 1)
        #expect(value(text, "callwire_caller_active_calls") == 0)
        #expect(value(text, "callwire_caller_setup_seconds_count") == 2)
        #expect(value(text, "callwire_caller_mos_count") == 2)
        #expect(value(text, "callwire_caller_packets_lost_total") == 3)
        #expect(value(text, "callwire_caller_late_frames_total") == 2)
        // 3 % loss on G.711 (R ≈ 81) and a clean call (R ≈ 91): the MOS sum is about 4.05 + 4.37.
        let sum = value(text, "callwire_caller_mos_sum") ?? 0
        #expect(abs(sum - (4.05 + 4.37)) < 0.1, "\(sum)")
    }

    @Test("100,000 calls that end before their statistics arrive keep at most 1,024 codecs waiting, and no live call")
    func bounded() {
        let metrics = CallerMetrics()
        for i in 0..<100_000 {
            let id = String(i)
            metrics.observe(.incomingCall(call: id, from: "sip:x@h"))
            metrics.observe(.callState(call: id, state: "active", hold: nil))
            metrics.observe(.callEnded(call: id, reason: "BYE"))
        }
        let text = PrometheusText.encode(metrics.families)
        #expect(value(text, "callwire_caller_active_calls") == 0)
        #expect(value(text, "callwire_caller_calls_total{outcome=\"answered\"}") == 100_000)
        // A late statistics event still finds its codec when it is among the newest 1,024.
        metrics.observe(.rtpStatistics(call: "99999", received: 50, lost: 0, jitterMilliseconds: 0, roundTripMilliseconds: nil, lateFrames: 0))
        metrics.observe(.rtpStatistics(call: "5", received: 50, lost: 0, jitterMilliseconds: 0, roundTripMilliseconds: nil, lateFrames: 0))
        #expect(value(PrometheusText.encode(metrics.families), "callwire_caller_mos_count") == 1)
        #expect(metrics.pendingCount <= CallerMetrics.pendingLimit)
    }
}
