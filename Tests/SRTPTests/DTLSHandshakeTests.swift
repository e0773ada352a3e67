import Foundation
import SRTP
import Testing

/// Two DTLS-SRTP endpoints in memory, exchanging datagrams until both settle.
struct HandshakePair {
    let client: DTLSHandshake, server: DTLSHandshake
    var clientResult: Result<DTLSKeys, SRTPError>?, serverResult: Result<DTLSKeys, SRTPError>?
    var datagrams = 0

    init(clientCertificate: DTLSCertificate, serverCertificate: DTLSCertificate, clientExpects: CertificateFingerprint? = nil) throws {
        client = try DTLSHandshake(role: .client, certificate: clientCertificate,
                                   remoteFingerprint: clientExpects ?? serverCertificate.fingerprint)
        server = try DTLSHandshake(role: .server, certificate: serverCertificate, remoteFingerprint: clientCertificate.fingerprint)
    }

    /// Runs the exchange; `drop` decides, per datagram number, whether the network loses it.
    mutating func run(drop: (Int) -> Bool = { _ in false }) {
        var toServer: [[UInt8]] = [], toClient: [[UInt8]] = []
        func handle(_ events: [DTLSHandshake.Event], fromClient: Bool, _ pair: inout HandshakePair) {
            for event in events {
                switch event {
                case .send(let datagram):
                    pair.datagrams += 1
                    if drop(pair.datagrams) { continue }
                    if fromClient { toServer.append(datagram) } else { toClient.append(datagram) }
                case .established(let keys):
                    if fromClient { pair.clientResult = .success(keys) } else { pair.serverResult = .success(keys) }
                case .failed(let error):
                    if fromClient { pair.clientResult = .failure(error) } else { pair.serverResult = .failure(error) }
                }
            }
        }
        handle(client.start(), fromClient: true, &self)
        for _ in 0..<200 where clientResult == nil || serverResult == nil {
            if toServer.isEmpty && toClient.isEmpty {
                // Nothing in flight: wait for the earlier DTLS timer, as an event loop would
                // (OpenSSL's timers run on real time), then fire both.
                let delays = [client.timeoutDelay, server.timeoutDelay].compactMap { $0 }
                guard let delay = delays.min() else { break }
                Thread.sleep(forTimeInterval: delay.secondsDouble + 0.005)
                handle(client.handleTimeout(), fromClient: true, &self)
                handle(server.handleTimeout(), fromClient: false, &self)
                if clientResult != nil, case .failure = clientResult { break }
                continue
            }
            let forServer = toServer, forClient = toClient
            toServer = []
            toClient = []
            for datagram in forServer { handle(server.receive(datagram), fromClient: false, &self) }
            for datagram in forClient { handle(client.receive(datagram), fromClient: true, &self) }
        }
    }
}

@Suite("DTLS-SRTP handshakes (OpenSSL)")
struct DTLSHandshakeTests {
    static let alice = try! DTLSCertificate.selfSigned(commonName: "alice")
    static let bob = try! DTLSCertificate.selfSigned(commonName: "bob")

    @Test("client and server agree a suite, check each other's fingerprints, and export mirrored keys that work as SRTP")
    func handshake() throws {
        var pair = try HandshakePair(clientCertificate: Self.alice, serverCertificate: Self.bob)
        pair.run()
        let client = try #require(try pair.clientResult?.get()), server = try #require(try pair.serverResult?.get())
        #expect(client.suite == .aesCM128HMACSHA1_80 && server.suite == client.suite, "the first profile both offer")
        #expect(client.local == server.remote && client.remote == server.local && client.local != client.remote)
        #expect(client.peer == Self.bob.fingerprint && server.peer == Self.alice.fingerprint)
        #expect(pair.client.state == .established && pair.server.state == .established)
        let plain = rtpPacket(sequence: 1, payload: [UInt8](repeating: 0x55, count: 160))
        let sent = try inPlace(plain, try SRTPStream(key: client.local, direction: .outbound).protectRTP)
        #expect(try inPlace(sent, try SRTPStream(key: server.remote, direction: .inbound).unprotectRTP) == plain)
    }

    @Test("a suite only one side lists is not chosen: both list GCM first, GCM it is")
    func suitePreference() throws {
        let gcmFirst: [SRTPSuite] = [.aeadAES128GCM, .aesCM128HMACSHA1_80]
        let a = try DTLSCertificate.selfSigned(suites: gcmFirst), b = try DTLSCertificate.selfSigned(suites: gcmFirst)
        var pair = try HandshakePair(clientCertificate: a, serverCertificate: b)
        pair.run()
        #expect(try pair.clientResult?.get().suite == .aeadAES128GCM)
        let onlyThirtyTwo = try DTLSCertificate.selfSigned(suites: [.aesCM128HMACSHA1_32])
        var other = try HandshakePair(clientCertificate: onlyThirtyTwo, serverCertificate: b)
        other.run()
        #expect(throws: SRTPError.self) { try other.clientResult?.get() ?? other.serverResult?.get() }
    }

    @Test("a certificate that does not match a=fingerprint fails the handshake with both fingerprints named")
    func fingerprintMismatch() throws {
        let impostor = try DTLSCertificate.selfSigned(commonName: "mallory")
        var pair = try HandshakePair(clientCertificate: Self.alice, serverCertificate: impostor, clientExpects: Self.bob.fingerprint)
        pair.run()
        let error = try #require(pair.clientResult.flatMap { result -> SRTPError? in
            if case .failure(let error) = result { return error }
            return nil
        })
        #expect(error.description.contains("\(impostor.fingerprint)") && error.description.contains("\(Self.bob.fingerprint)"))
        #expect(error.description.contains("a=fingerprint"))
        #expect(pair.client.state == .failed)
        #expect(pair.server.state == .failed, "the client's bad_certificate alert ends the server's handshake too: no keys anywhere")
    }

    @Test("lost flights are retransmitted on the DTLS timer (RFC 6347 §4.2.4) and the handshake still completes")
    func retransmission() throws {
        let pair = try HandshakePair(clientCertificate: Self.alice, serverCertificate: Self.bob)
        #expect(pair.client.timeoutDelay == nil, "no timer before the first flight")
        _ = pair.client.start()
        #expect((pair.client.timeoutDelay ?? .zero) > .zero, "the ClientHello arms the timer")
        var fresh = try HandshakePair(clientCertificate: Self.alice, serverCertificate: Self.bob)
        fresh.run { $0 == 1 || $0 == 3 }   // the first ClientHello and a server datagram are lost
        #expect(try fresh.clientResult?.get().suite == .aesCM128HMACSHA1_80)
        #expect(try fresh.serverResult?.get().suite == .aesCM128HMACSHA1_80)
    }

    @Test("--dtls-cert: a PEM file made by the openssl command loads, with the fingerprint openssl computes")
    func pemFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dtls-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let key = directory.appendingPathComponent("key.pem").path, cert = directory.appendingPathComponent("cert.pem").path
        #expect(try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=test",
                             "-days", "2", "-keyout", key, "-out", cert]).status == 0)
        let combined = directory.appendingPathComponent("both.pem").path
        try (try String(contentsOfFile: cert, encoding: .utf8) + (try String(contentsOfFile: key, encoding: .utf8)))
            .write(toFile: combined, atomically: true, encoding: .utf8)
        let loaded = try DTLSCertificate.load(pemFile: combined)
        let printed = try openssl(["x509", "-in", cert, "-noout", "-fingerprint", "-sha256"]).output
        #expect(printed.contains(loaded.fingerprint.description), "openssl: \(printed), loaded: \(loaded.fingerprint)")
        #expect { _ = try DTLSCertificate.load(pemFile: cert) } throws: { "\($0)".contains("no PEM private key") && "\($0)".contains(cert) }
        #expect { _ = try DTLSCertificate.load(pemFile: "/nonexistent.pem") } throws: { "\($0)".contains("/nonexistent.pem") }
    }

    func openssl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}

extension Duration {
    var secondsDouble: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
