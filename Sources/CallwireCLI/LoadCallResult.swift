import Foundation

/// What one call of `callwire load` did, how it sounded, and which checks it failed: one row
/// of `--report`.
struct LoadCallResult: Sendable, Equatable {
    /// How a call ended up.
    enum Outcome: String, Sendable, CaseIterable {
        /// Answered, and every check held.
        case passed
        /// Answered, but a check failed.
        case failedCheck = "failed-check"
        /// Not answered (a final response ≥ 300, a timeout).
        case notAnswered = "not-answered"
        /// Never placed (no RTP port, the target did not resolve).
        case error
    }

    /// A check a call can fail, as `--report` and the summary name it.
    enum Check: String, Sendable, CaseIterable {
        case answered, dtmf, text, tone, mos
    }

    /// 1, 2, … in the order calls were placed.
    var number: Int
    var callID = ""
    /// The user it was placed as (From).
    var user = ""
    /// Seconds from the start of the test to this call's INVITE.
    var startOffset: Double
    var outcome = Outcome.error
    /// The final status: 200 when answered, else the failure's status (0 when none came).
    var status = 0
    /// Why it ended (`BYE`, `486 Busy Here`, an error).
    var reason = ""
    var setupMilliseconds: Double?
    var postDialDelayMilliseconds: Double?
    /// Answer to close, seconds.
    var connectedSeconds: Double?
    var codec = ""
    var received = 0
    var lost = 0
    var jitterMilliseconds = 0.0
    var roundTripMilliseconds: Double?
    var lateFrames = 0
    var rFactor: Double?
    var mos: Double?
    /// DTMF keys received, in order.
    var digits = ""
    /// Tones heard by the pipeline's `tone-detector`, in Hz, in order.
    var tones: [Int] = []
    /// Recognized speech, the utterances joined by spaces.
    var heard = ""
    /// The word error rate of ``heard`` against `--expect-text`.
    var wordErrorRate: Double?
    var failedChecks: [Check] = []

    /// Loss as a percentage of the packets expected.
    var lossPercent: Double {
        received + lost > 0 ? 100 * Double(lost) / Double(received + lost) : 0
    }

    /// Fills in the E-model estimate and the checks' verdicts.
    mutating func evaluate(_ settings: LoadSettings) {
        failedChecks = []
        guard status == 200 else {
            failedChecks = [.answered]
            outcome = callID.isEmpty ? .error : .notAnswered   // no Call-ID: never placed
            return
        }
        if received > 0 {
            // One-way delay: half the RTCP round trip, one 20 ms packet, the jitter buffer's 60 ms.
            let delay = (roundTripMilliseconds ?? 0) / 2 + 20 + 60
            let model = EModel(codec: .named(codec), lossPercent: lossPercent, delayMilliseconds: delay)
            rFactor = model.rFactor
            mos = model.mos
        }
        if let expected = settings.expectDTMF, digits.uppercased() != expected { failedChecks.append(.dtmf) }
        if let expected = settings.expectText {
            let alignment = WordAlignment(reference: Self.words(expected), hypothesis: Self.words(heard))
            let rate = Double(alignment.errors) / Double(max(alignment.referenceWords, 1))
            wordErrorRate = rate
            if rate > settings.maxWER + 1e-9 { failedChecks.append(.text) }
        }
        if let expected = settings.expectTone, !tones.contains(expected) { failedChecks.append(.tone) }
        if let minimum = settings.minMOS, (mos ?? 0) < minimum { failedChecks.append(.mos) }
        outcome = failedChecks.isEmpty ? .passed : .failedCheck
    }

    static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber && $0 != "'" }.map(String.init)
    }
}
