import Foundation
import SIPCore
import TestSupport
import Testing

@Suite("RFC 4475 and RFC 5118 torture messages")
struct TortureTests {
    @Test("the corpora match their SHA256SUMS", arguments: ["rfc4475", "rfc5118"])
    func checksums(folder: String) throws {
        let sums = try Corpus.checksums(folder)
        #expect(sums.count == (folder == "rfc4475" ? 49 : 12))
        for (file, sha) in sums {
            #expect(Corpus.sha256(try Corpus.bytes(folder, file)) == sha, "\(folder)/\(file)")
        }
        #expect(Set(try Corpus.entries(folder).map(\.file)) == Set(sums.map(\.file)), "EXPECTED.tsv lists every file")
    }

    @Test("the SDP and capture fixtures match their SHA256SUMS", arguments: [("sdp", 2), ("captures", 3)])
    func otherChecksums(folder: String, files: Int) throws {
        let sums = try Corpus.checksums(folder)
        #expect(sums.count == files)
        for (file, sha) in sums {
            #expect(Corpus.sha256(try Corpus.bytes(folder, file)) == sha, "\(folder)/\(file)")
        }
    }

    @Test("every RFC 4475 message gets the verdict the RFC describes", arguments: Corpus.rfc4475)
    func rfc4475(entry: FixtureCase<Corpus.Entry>) throws {
        let entry = try entry.get()
        let outcome = Outcome(try Corpus.bytes(entry.folder, entry.file))
        let expectation = try #require(TortureExpectations.all[entry.file], "no expectation written for \(entry.file)")
        try expectation(outcome)
        if let message = outcome.message { try roundTrip(message) }
    }

    @Test("every RFC 5118 message gets the verdict the RFC describes", arguments: Corpus.rfc5118)
    func rfc5118(entry: FixtureCase<Corpus.Entry>) throws {
        let entry = try entry.get()
        let raw = try Corpus.bytes(entry.folder, entry.file)
        let fixed = Corpus.fixingContentLength(raw)
        if fixed != raw {
            // Strict framing refuses the printed (pre-CRLF) length for the right reason…
            let strict = Outcome(raw)
            let printed = try #require(Self.printedContentLength(raw))
            if printed > (try #require(Self.bodyLength(raw))) {
                #expect(strict.error?.kind == .contentLength, "\(entry.file) rejected for its length")
            } else {
                #expect(strict.message?.body.count == printed, "a shorter length frames a shorter body")
            }
        }
        // …and the corrected message is judged on what RFC 5118 tests: IPv6.
        let outcome = Outcome(fixed)
        let expectation = try #require(TortureExpectations.all[entry.file], "no expectation written for \(entry.file)")
        try expectation(outcome)
        if let message = outcome.message { try roundTrip(message) }
    }

    static func printedContentLength(_ bytes: [UInt8]) -> Int? {
        String(decoding: bytes, as: UTF8.self).split(separator: "\r\n")
            .first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }
    }

    static func bodyLength(_ bytes: [UInt8]) -> Int? {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.range(of: "\r\n\r\n").map { text[$0.upperBound...].utf8.count }
    }

    /// parse → serialize → parse gives the same message.
    func roundTrip(_ message: SIPMessage) throws {
        let again = try SIPMessage(datagram: message.serialized())
        #expect(again.body == message.body)
        #expect(again.headers.count - (again.headers.contains(.contentLength) ? 1 : 0)
                == message.headers.count - message.headers.count(.contentLength))
        for (a, b) in zip(again.headers.all.filter { $0.name != .contentLength },
                          message.headers.all.filter { $0.name != .contentLength }) {
            #expect(a.name == b.name)
            #expect(a.value == b.value)
        }
        switch (again.startLine, message.startLine) {
        case (.request(let m1, let u1), .request(let m2, let u2)):
            #expect(m1 == m2)
            #expect(u1 == u2)
        case (.response(let s1, let r1), .response(let s2, let r2)):
            #expect(s1 == s2 && r1 == r2)
        default:
            Issue.record("start line kind changed")
        }
        let core1 = try again.validate(), core2 = try message.validate()
        #expect(core1 == core2)
    }
}

/// What RFC 4475 and RFC 5118 ask of each message, in our terms.
enum TortureExpectations {
    typealias Check = @Sendable (Outcome) throws -> Void

    static func accepted(_ extra: @escaping @Sendable (SIPMessage, CoreHeaders) throws -> Void = { _, _ in }) -> Check {
        { outcome in
            guard case .accepted(let message, let core) = outcome else {
                Issue.record("expected the message to be accepted, got \(outcome.error.map(String.init(describing:)) ?? "?")")
                return
            }
            try extra(message, core)
        }
    }

    static func rejected(_ status: Int?, _ kind: SIPParseError.Kind, mentioning text: String? = nil) -> Check {
        { outcome in
            guard let error = outcome.error else {
                Issue.record("expected a rejection (\(kind)), but the message was accepted")
                return
            }
            #expect(error.kind == kind, "\(error)")
            #expect(error.responseStatus == status, "\(error)")
            if let text { #expect(error.message.contains(text), "\(error)") }
        }
    }

    static let all: [String: Check] = [
        // MARK: RFC 4475 §3.1.1 valid messages
        "wsinv.dat": accepted { message, core in
            #expect(message.method == "INVITE")
            #expect(core.to.uri.user == "vivekg" && core.to.tag == "1918181833n")
            #expect(core.from.displayName == "J Rosenberg \\\"", "escaped quote and backslash in the display name")
            #expect(core.from.tag == "98asjd8")
            #expect(core.maxForwards == 68, "leading zeros")
            #expect(core.cseq == CSeq(9, .invite), "folded CSeq with leading zeros")
            #expect(core.vias.map(\.transport) == ["UDP", "TCP", "UDP"])
            #expect(core.vias.map(\.host) == ["192.0.2.2", "spindle.example.com", "192.168.255.111"])
            #expect(core.vias[2].branch == "z9hG4bK30239", "a value folded onto the next line")
            #expect(message.headers[SIPHeaderName("NewFangledHeader")] == "newfangled value continued newfangled value")
            #expect(message.subject == "", "empty Subject")
            #expect(message.headers[SIPHeaderName("UnknownHeaderWithUnusualValue")] == ";;,,;;,;", "unknown headers kept verbatim")
            guard case .addresses(let contacts)? = try message.contacts else { throw FixtureError("no contact") }
            #expect(contacts.first?.displayName == "Quoted string \"\"")
            #expect(contacts.first?.parameters["newparam"] == "newvalue" && contacts.first?.q == 0.33)
            let routes = try message.routes
            #expect(routes.first?.uri.hasParameter("unknown-no-value") == true)
            #expect(message.body.count == 150)
        },
        "intmeth.dat": accepted { message, core in
            #expect(message.method == "!interesting-Method0123456789_*+`.%indeed'~")
            #expect(message.requestURI?.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
            #expect(message.requestURI?.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
            #expect(core.to.displayName == "BEL:\u{07} NUL:\u{00} DEL:\u{7F}")
            #expect(core.from.displayName == "token1~` token2'+_ token3*%!.-")
            #expect(core.callID == "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{")
        },
        "esc01.dat": accepted { message, core in
            #expect(message.requestURI?.user == "sips:user@example.com")
            #expect(message.requestURI?.matches(try SIPURI.parse("sip:sips%3auser%40example%2Ecom@example.net")) == true,
                    "%HH compares equal to the character it stands for")
            #expect(core.to.uri.matches(try SIPURI.parse("sip:user@example.com")))
            #expect(core.from.uri.user == "I have spaces")
            guard case .addresses(let contacts)? = try message.contacts else { throw FixtureError("no contact") }
            #expect(contacts[0].uri.user == "caller")
            #expect(contacts[0].uri.hasParameter("lr"))
            #expect(contacts[0].uri["name"] == "value%41", "%25 is a literal %; what follows stays text")
        },
        "escnull.dat": accepted { message, _ in
            guard case .addresses(let contacts)? = try message.contacts else { throw FixtureError("no contacts") }
            #expect(contacts.count == 2)
            #expect(contacts.map { $0.uri.user ?? "" }.allSatisfy { $0.contains("\u{00}") }, "unescaping keeps the NUL")
            #expect(contacts[0].uri.user != contacts[1].uri.user, "two distinct contacts")
        },
        "esc02.dat": accepted { message, _ in
            #expect(message.method == "RE%47IST%45R", "% in a method is just a token character")
            #expect(message.headers[SIPHeaderName("C%6Fntact")] != nil, "an unknown header name, not Contact")
            #expect(message.headers.values(.contact).count == 2, "C%6Fntact is not Contact")
            #expect(message.headers[SIPHeaderName("C%6Fntact")] == "<sip:alias2@host2.example.com>")
            #expect(message.headers.all.map(\.name.canonical).contains("C%6Fntact"), "kept verbatim, in order")
        },
        "lwsdisp.dat": accepted { _, core in #expect(core.from.displayName == "caller") },
        "longreq.dat": accepted { message, core in
            #expect(core.vias.count == 34)
            #expect((core.to.displayName ?? "").hasSuffix("extremeextreme proportion"))
            #expect(core.to.uri.port == 6000)
            #expect(core.callID.utf8.count > 100)
        },
        "dblreq.dat": accepted { message, _ in
            #expect(message.method == .register)
            #expect(message.body.isEmpty, "the trailing INVITE-looking octets are ignored")
        },
        "semiuri.dat": accepted { message, _ in
            #expect(message.requestURI?.user == "user;par=u@example.net")
            #expect(message.requestURI?.host == "example.com" && message.requestURI?.parameters.isEmpty == true)
        },
        "transports.dat": accepted { _, core in
            #expect(core.vias.map(\.transport) == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"])
        },
        "mpart01.dat": accepted { message, _ in
            #expect(message.body.count == message.contentLength)
            let contentType = try message.contentType
            #expect(contentType?.type == "multipart")
            #expect(contentType?.parameters["boundary"] != nil)
        },
        "unreason.dat": accepted { message, _ in
            #expect(message.status == 200)
            #expect((message.reason ?? "").contains("= 2**3 * 5**2"))
        },
        "noreason.dat": accepted { message, _ in
            #expect(message.status == 100 && message.reason == "")
        },
        // MARK: RFC 4475 §3.1.2 invalid messages
        "badinv01.dat": rejected(400, .headerValue, mentioning: "Via"),
        "clerr.dat": rejected(400, .contentLength),
        "ncl.dat": rejected(400, .contentLength),
        "scalar02.dat": rejected(400, .headerValue, mentioning: "CSeq"),
        "scalarlg.dat": rejected(nil, .headerValue, mentioning: "CSeq"),
        "quotbal.dat": rejected(400, .headerValue, mentioning: "To"),
        "ltgtruri.dat": rejected(400, .requestURI),
        "lwsruri.dat": rejected(400, .startLine),
        "lwsstart.dat": rejected(400, .startLine),
        "trws.dat": rejected(400, .startLine),
        "escruri.dat": rejected(400, .requestURI, mentioning: "URI headers"),
        // RFC 4475 §3.1.2.12: reject only if Date matters; otherwise ignore it. Nothing here
        // reads Date, so the message is accepted and its Date kept verbatim.
        "baddate.dat": accepted { message, _ in #expect(message.headers[.date]?.hasSuffix("EST") == true) },
        // RFC 4475 §3.1.2.13: rejecting it is "reasonable" where Contact is used. Contact is
        // parsed when first needed, so framing and validation pass and reading it fails; the
        // registrar and a UA creating a dialog answer 400 (RegistrarTests, DialogRulesTests).
        "regbadct.dat": accepted { message, _ in
            #expect(throws: SIPHeaderError.self) { try message.contacts }
        },
        "badaspec.dat": rejected(400, .headerValue, mentioning: "To"),
        "baddn.dat": rejected(400, .headerValue, mentioning: "From"),
        "badvers.dat": rejected(505, .version),
        "mismatch01.dat": rejected(400, .methodMismatch),
        "mismatch02.dat": rejected(501, .methodMismatch),
        "bigcode.dat": rejected(nil, .statusCode),
        // MARK: RFC 4475 §3.2–3.4 semantics: parse, and expose what the layer above decides on
        "badbranch.dat": accepted { _, core in
            #expect(core.topVia.branch == "z9hG4bK")
            #expect(!core.topVia.hasRFC3261Branch, "fall back to RFC 2543 matching")
        },
        "insuf.dat": rejected(400, .missingHeader),
        "unkscm.dat": accepted { message, _ in #expect(message.requestURI?.scheme == .other("nobodyknowsthisscheme")) },
        "novelsc.dat": accepted { message, _ in #expect(message.requestURI?.scheme == .other("soap.beep")) },
        "unksm2.dat": accepted { _, core in
            #expect(core.to.uri.scheme == .other("isbn"))
            #expect(core.from.uri.scheme == .other("http"))
        },
        "bext01.dat": accepted { message, _ in
            let require = try message.require, proxyRequire = try message.proxyRequire
            #expect(require == ["nothingSupportsThis", "nothingSupportsThisEither"])
            #expect(proxyRequire == ["noProxiesSupportThis", "norDoAnyProxiesSupportThis"])
        },
        "invut.dat": accepted { message, _ in
            let contentType = try message.contentType
            #expect(contentType == ContentType("application", "unknownformat"))
        },
        "regaut01.dat": accepted { message, _ in
            let credentials = try message.authorization
            #expect(credentials.first?.scheme == "NoOneKnowsThisScheme")
        },
        "multi01.dat": rejected(400, .duplicateHeader),
        "mcl01.dat": rejected(400, .contentLength, mentioning: "different values"),
        "bcast.dat": accepted { message, core in
            #expect(message.status == 200)
            #expect(core.vias[1].host == "255.255.255.255")
        },
        "zeromf.dat": accepted { _, core in #expect(core.maxForwards == 0) },
        "cparam01.dat": accepted { message, _ in
            guard case .addresses(let contacts)? = try message.contacts else { throw FixtureError("no contact") }
            #expect(contacts[0].parameters.contains("unknownparam"))
            #expect(!contacts[0].uri.hasParameter("unknownparam"), "unbracketed: a contact-param, not a URI param")
        },
        "cparam02.dat": accepted { message, _ in
            guard case .addresses(let contacts)? = try message.contacts else { throw FixtureError("no contact") }
            #expect(contacts[0].uri.hasParameter("unknownparam"), "bracketed: a URI param")
            #expect(!contacts[0].parameters.contains("unknownparam"))
        },
        "regescrt.dat": accepted { message, _ in
            guard case .addresses(let contacts)? = try message.contacts else { throw FixtureError("no contact") }
            #expect(contacts[0].uri.headers.first?.name == "Route")
            #expect(contacts[0].uri.headers.first?.value == "<sip:sip.example.com>")
        },
        "sdp01.dat": accepted { message, _ in #expect(message.headers[.accept] == "text/nobodyKnowsThis") },
        "inv2543.dat": accepted { message, core in
            #expect(!core.topVia.hasRFC3261Branch)
            #expect(core.maxForwards == nil && core.from.tag == nil)
            #expect(!message.body.isEmpty, "no Content-Length: the rest of the datagram is the body")
        },
        // MARK: RFC 5118
        "ipv6-good.dat": accepted { message, core in
            #expect(message.requestURI?.host == "2001:db8::10")
            #expect(core.topVia.host.hasPrefix("2001:db8::"))
        },
        "ipv6-bad.dat": rejected(400, .requestURI, mentioning: "[ ]"),
        "port-ambiguous.dat": accepted { message, _ in
            #expect(message.requestURI?.host == "2001:db8::10:5070")
            #expect(message.requestURI?.port == nil, "5070 is part of the address, not a port")
        },
        "port-unambiguous.dat": accepted { message, _ in
            #expect(message.requestURI?.host == "2001:db8::10" && message.requestURI?.port == 5070)
        },
        "via-received-param-with-delim.dat": accepted { _, core in
            #expect(core.topVia.received == "2001:db8::9:255")
            #expect(core.topVia.branch != nil, "the parameter list goes on after the address")
        },
        "via-received-param-no-delim.dat": accepted { _, core in
            #expect(core.topVia.received == "2001:db8::9:255")
            #expect(core.topVia.branch != nil, "colons do not end the parameter list")
        },
        "ipv6-in-sdp.dat": accepted { message, _ in #expect(message.bodyText.contains("IN IP6 2001:db8::20")) },
        "mult-ip-in-header.dat": accepted { _, core in
            #expect(core.vias.count == 3)
            #expect(core.vias[0].host == "2001:db8::9:1" && core.vias[0].port == 6050)
            #expect(core.vias[1].host == "192.0.2.1" && core.vias[1].received == "192.0.2.200" || core.vias[1].host == "192.0.2.1")
        },
        "mult-ip-in-sdp.dat": accepted { message, _ in #expect(message.bodyText.contains("IN IP6 2001:db8::1")) },
        "ipv4-mapped-ipv6.dat": accepted { _, core in #expect(core.vias.contains { $0.host.hasPrefix("::ffff:192.0.2.") }) },
        "ipv6-bug-abnf-3-colons.dat": accepted { message, _ in
            #expect(message.requestURI?.host == "2001:db8::192.0.2.1", "the third colon is tolerated and dropped")
        },
        "ipv6-correct-abnf-2-colons.dat": accepted { message, core in
            #expect(message.requestURI?.host == "2001:db8::192.0.2.1")
            #expect(core.to.uri.host == "2001:db8::192.0.2.1")
        },
    ]
}
