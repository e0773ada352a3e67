import SIPCore
import Testing

@Suite("SIP URIs")
struct SIPURITests {
    @Test("RFC 3261 §19.1.4: equivalent URIs", arguments: [
        ("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"),
        ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
        ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"),
        ("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
         "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"),
        ("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
         "sip:alice@atlanta.com?priority=urgent&subject=project%20x"),
    ])
    func equivalent(a: String, b: String) throws {
        #expect(try SIPURI.parse(a).matches(try SIPURI.parse(b)))
        #expect(try SIPURI.parse(b).matches(try SIPURI.parse(a)))
    }

    @Test("RFC 3261 §19.1.4: URIs that are not equivalent", arguments: [
        ("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"),
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"),
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"),
        ("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"),
        ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),
        ("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;newparam=6"),
        ("sip:alice@atlanta.com", "sips:alice@atlanta.com"),
    ])
    func different(a: String, b: String) throws {
        #expect(!(try SIPURI.parse(a).matches(try SIPURI.parse(b))))
    }

    @Test("parts, escapes, IPv6 and serialization")
    func parts() throws {
        let uri = try SIPURI.parse("sips:al%20ice:p%40ss@[2001:db8::1]:5061;transport=tls;lr;maddr=[2001:db8::2]?subject=a%20b")
        #expect(uri.scheme == .sips)
        #expect(uri.user == "al ice" && uri.password == "p@ss")
        #expect(uri.host == "2001:db8::1" && uri.port == 5061 && uri.isIPv6)
        #expect(uri.transport == "tls" && uri.hasParameter("lr") && uri["lr"] == "")
        #expect(uri["maddr"] == "[2001:db8::2]")
        #expect(uri.headers == [SIPURI.Parameter("subject", "a b")])
        #expect(uri.description == "sips:al%20ice:p%40ss@[2001:db8::1]:5061;transport=tls;lr;maddr=[2001:db8::2]?subject=a%20b")
        #expect(try SIPURI.parse(uri.description) == uri)
        let tel = try SIPURI.parse("tel:+1-201-555-0123;phone-context=example.com")
        #expect(tel.scheme == .tel && tel.user == "+1-201-555-0123" && tel["phone-context"] == "example.com")
        #expect(try SIPURI.parse("urn:service:sos").scheme == .other("urn"))
    }

    @Test("malformed URIs say what is wrong", arguments: [
        ("sip:", "missing host"),
        ("sip:alice@", "missing host"),
        ("sip:alice@example.com:99999", "port"),
        ("sip:alice@2001:db8::1", "[ ]"),
        ("sip:alice @example.com", "not allowed"),
        ("sip:[2001:db8::1", "unterminated"),
        ("alice@example.com", "missing ':'"),
        ("sip:a%4@x", "escape"),
        ("sip:a@x?name", "?name=value"),
    ])
    func malformed(text: String, fragment: String) {
        #expect {
            try SIPURI.parse(text)
        } throws: { error in
            (error as? SIPURIError)?.message.contains(fragment) == true
        }
    }
}

extension SIPURITests {
    /// Found by the URI fuzzer: a repeated parameter name made a URI differ from itself.
    @Test("a URI with a repeated parameter matches itself and its re-serialization")
    func repeatedParameter() throws {
        let uri = try SIPURI.parse("sips:alho.e-0i2b10123;pho.e-=anssu2001:db10123;pho.e-=ansst")
        #expect(uri.matches(uri))
        #expect(try SIPURI.parse(uri.description).matches(uri))
    }

    /// Every byte value placed in a URI user part, a URI parameter value and a header
    /// parameter name is accepted exactly when RFC 3261 §25.1 allows it there (the parser tests
    /// its character classes with bit masks).
    @Test("character classes follow RFC 3261 §25.1 for every byte")
    func characterClasses() {
        let alphanumeric = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        let unreserved = alphanumeric.union("-_.!~*'()".utf8)
        let user = unreserved.union("&=+$,;?/".utf8)
        let parameter = unreserved.union("[]/:&+$".utf8)
        let token = alphanumeric.union("-.!%*_+`'~".utf8)
        func text(_ prefix: String, _ byte: UInt8, _ suffix: String) -> String {
            String(decoding: Array(prefix.utf8) + [byte] + Array(suffix.utf8), as: UTF8.self)
        }
        for byte in UInt8.min...UInt8.max {
            let hex = "0x" + String(byte, radix: 16)
            // '%' starts an escape; ':' separates a password.
            if byte != 0x25 && byte != 0x3A {
                let accepted = (try? SIPURI.parse(text("sip:a", byte, "b@example.com"))) != nil
                #expect(accepted == user.contains(byte), "user part with byte \(hex)")
            }
            // '%' starts an escape; ';' and '?' start the next parameter and the headers; an '@'
            // turns everything before it into userinfo.
            if byte != 0x25 && byte != 0x3B && byte != 0x3F && byte != 0x40 {
                let accepted = (try? SIPURI.parse(text("sip:example.com;p=a", byte, "b"))) != nil
                #expect(accepted == parameter.contains(byte), "URI parameter value with byte \(hex)")
            }
            // ';' starts the next parameter.
            if byte != 0x3B {
                let accepted = (try? NameAddress.parse(text("<sip:example.com>;x", byte, "y=1"))) != nil
                #expect(accepted == token.contains(byte), "header parameter name with byte \(hex)")
            }
        }
    }
}
