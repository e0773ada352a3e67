import Endpoint
import Foundation
import Registrar
import SIPCore
import Testing

/// `--location-db postgresql://…`: several servers share bindings through a PostgreSQL server
/// (Debian `postgresql`) that the test starts on loopback.
@Suite("Shared location in PostgreSQL", .serialized, .timeLimit(.minutes(3)))
struct SharedLocationTests {
    @Test("a user registered through server A is called through server B; with A gone, B and a new server C still reach it")
    func twoServers() async throws {
        let postgres = try await PostgresServer.start()
        let storeA = try await PostgresLocationStore.connect(url: postgres.url)
        let storeB = try await PostgresLocationStore.connect(url: postgres.url)
        let a = try await TestServer { $0.store = storeA }
        let b = try await TestServer { $0.store = storeB }
        let alice = try await TestCaller {
            $0.listen = true
            $0.register = true
            $0.user = "alice"
            $0.domain = "localhost"
            $0.proxy = "127.0.0.1:\(a.port)"
        }
        await alice.caller.start()
        try await alice.expect("registered through A", isRegistered)
        storeA.flush()
        let bob = try await TestCaller {
            $0.to = try? NameAddress.parse("sip:alice@localhost")
            $0.proxy = "127.0.0.1:\(b.port)"
            $0.send = "via B"
        }
        bob.caller.inputEnded()
        await bob.caller.start()
        #expect(await bob.finished() == 0, "through B: \(bob.events)")
        try await alice.expect("the message through B") { if case .messageReceived(_, "via B") = $0 { true } else { false } }
        await bob.close()

        // A dies (its store and server closed): no binding was only in A.
        await a.close()
        await storeA.close()
        let storeC = try await PostgresLocationStore.connect(url: postgres.url)
        let c = try await TestServer { $0.store = storeC }
        for (server, text) in [(b, "still via B"), (c, "via C, started after A died")] {
            let carol = try await TestCaller {
                $0.to = try? NameAddress.parse("sip:alice@localhost")
                $0.proxy = "127.0.0.1:\(server.port)"
                $0.send = text
            }
            carol.caller.inputEnded()
            await carol.caller.start()
            #expect(await carol.finished() == 0, "\(text): \(carol.events)")
            try await alice.expect(text) { if case .messageReceived(_, text) = $0 { true } else { false } }
            await carol.close()
        }
        await alice.close()
        for server in [b, c] { await server.close() }
        for store in [storeB, storeC] { await store.close() }
        await postgres.stop()
    }

    @Test("an unreachable or malformed postgresql:// URL is an error naming it, without its password")
    func badURL() async throws {
        let port = try freeTCPPort()
        do {
            _ = try await PostgresLocationStore.connect(url: "postgresql://callwire:hunter2@127.0.0.1:\(port)/postgres?sslmode=disable")
            Issue.record("connected to a closed port")
        } catch {
            #expect(error.description.contains("127.0.0.1:\(port)"), "\(error)")
            #expect(!error.description.contains("hunter2"), "\(error)")
        }
        do {
            _ = try await PostgresLocationStore.connect(url: "postgresql://127.0.0.1/x")
            Issue.record("accepted a URL without a user")
        } catch {
            #expect(error.description.contains("expected postgresql://USER"), "\(error)")
        }
    }
}
