import SIPCore
import SIPDialog
import Testing

/// Headers a peer controls, written to break the parser or the timers they feed: each is refused
/// or bounded, never trapped on.
@Suite("Hostile call-control headers")
struct HostileHeaderTests {
    @Test("Replaces with empty, nameless or half parts is parsed or refused, never trapped on",
          arguments: ["abc; ;to-tag=a;from-tag=b", "abc;;to-tag=a;from-tag=b", "abc;=;to-tag=a;from-tag=b", "abc;to-tag=a;from-tag=b; ",
                      "abc;to-tag;from-tag", ";", " ", "abc;to-tag=a"])
    func replaces(_ text: String) {
        let parsed = Replaces(parsing: text)
        if let parsed {
            #expect(parsed.callID == "abc" && parsed.toTag == "a" && parsed.fromTag == "b", "\(text) → \(parsed)")
        } else {
            #expect(!text.contains("to-tag=a;from-tag=b"), "\(text) names both tags and should parse")
        }
    }

    @Test("Session-Expires and Min-SE beyond 2³²−1 s are taken as 2³²−1 (timers in nanoseconds cannot overflow)")
    func hugeIntervals() throws {
        var request = SIPMessage(method: .invite, uri: try SIPURI.parse("sip:bob@127.0.0.1"))
        request.headers.add(.sessionExpires, "10000000000;refresher=uac")
        request.headers.add(.minSE, "99999999999")
        let asked = try #require(SIPUserAgent.sessionExpires(request))
        #expect(asked.interval == SIPUserAgent.maximumInterval && asked.refresher == "uac")
        #expect(SIPUserAgent.minimumSession(request) == SIPUserAgent.maximumInterval)
        #expect(Int64(SIPUserAgent.maximumInterval).multipliedReportingOverflow(by: 1_000_000_000).overflow == false)

        var absurd = SIPMessage(method: .update, uri: try SIPURI.parse("sip:bob@127.0.0.1"))
        absurd.headers.add(.sessionExpires, "99999999999999999999999")
        #expect(SIPUserAgent.sessionExpires(absurd) == nil, "not a number Swift can hold: refused")
    }
}
