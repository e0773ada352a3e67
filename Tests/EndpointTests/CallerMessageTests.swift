import Endpoint
import Foundation
import SIPCore
import Testing

/// MESSAGE sessions (RFC 3428) between callers, as in the manual's chat example.
@Suite("Caller messages", .serialized, .timeLimit(.minutes(1)))
struct CallerMessageTests {
    @Test("--send delivers, the reply goes back to the first sender, typed lines continue the session")
    func chat() async throws {
        let alice = try await TestCaller {
            $0.listen = true
            $0.user = "alice"
        }
        let bob = try await TestCaller {
            $0.listen = true
            $0.user = "bob"
            $0.to = try? NameAddress.parse(alice.address("alice"))
            $0.send = "hello"
        }
        await bob.caller.start()
        try await alice.expect("hello") { $0 == .messageReceived(from: "sip:bob@127.0.0.1", text: "hello") }
        alice.caller.input("I am good, and you?")
        try await bob.expect("reply") { if case .messageReceived(_, "I am good, and you?") = $0 { true } else { false } }
        bob.caller.input("")
        bob.caller.input("good thank you")
        try await alice.expect("second line") { if case .messageReceived(_, "good thank you") = $0 { true } else { false } }
        let received = alice.events.filter { if case .messageReceived = $0 { true } else { false } }
        #expect(received.count == 2, "an empty line sends nothing")
        #expect(CallerEvent.messageReceived(from: "sip:bob@127.0.0.1", text: "hello").logLine?.text == "<<< hello")
        await bob.close()
        await alice.close()
    }

    @Test("an undeliverable MESSAGE logs 'received response: 480 Temporarily Unavailable' and exits 2")
    func undeliverable() async throws {
        let alice = try await TestCaller {
            $0.listen = true
            $0.autoRespond = 480
        }
        let bob = try await TestCaller {
            $0.to = try? NameAddress.parse(alice.address("alice"))
            $0.send = "are you still there?"
        }
        bob.caller.inputEnded()
        await bob.caller.start()
        #expect(await bob.finished() == 2)
        let line = try await bob.expect("480") { if case .response("MESSAGE", 480, _, _, _) = $0 { true } else { false } }
        #expect(line.logLine?.text == "received response: 480 Temporarily Unavailable")
        await bob.close()
        await alice.close()
    }

    @Test("--send without --listen ends when stdin ends and every message is answered")
    func endsAtEndOfInput() async throws {
        let alice = try await TestCaller { $0.listen = true }
        let bob = try await TestCaller {
            $0.to = try? NameAddress.parse(alice.address("alice"))
            $0.send = "one"
        }
        bob.caller.input("two")
        bob.caller.inputEnded()
        await bob.caller.start()
        #expect(await bob.finished() == 0)
        try await alice.expect("two messages") { _ in
            alice.events.filter { if case .messageReceived = $0 { true } else { false } }.count == 2
        }
        await bob.close()
        await alice.close()
    }
}
