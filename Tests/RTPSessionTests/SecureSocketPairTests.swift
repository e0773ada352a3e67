import NIOCore
import NIOPosix
import RTP
import RTPSession
import SRTP
import Synchronization
import TestSupport
import Testing

/// Records what a socket pair puts on the wire, for looking at it as an eavesdropper would.
final class WireTap: RTPSocketPair, @unchecked Sendable {
    let inner: any RTPSocketPair
    let sent = Mutex<[(rtcp: Bool, bytes: [UInt8])]>([])
    init(_ inner: any RTPSocketPair) { self.inner = inner }
    var rtpPort: Int { inner.rtpPort }
    var eventLoop: any EventLoop { inner.eventLoop }
    func start(rtp: @escaping @Sendable ([UInt8], SocketAddress) -> Void, rtcp: @escaping @Sendable ([UInt8], SocketAddress) -> Void) {
        inner.start(rtp: rtp, rtcp: rtcp)
    }
    func sendRTP(_ packet: UnsafeRawBufferPointer, to address: SocketAddress) {
        sent.withLock { $0.append((false, Array(packet))) }
        inner.sendRTP(packet, to: address)
    }
    func sendRTCP(_ packet: [UInt8], to address: SocketAddress) {
        sent.withLock { $0.append((true, packet)) }
        inner.sendRTCP(packet, to: address)
    }
    func close() { inner.close() }
}

/// Two sessions on 127.0.0.1 whose socket pairs encrypt, each wire tapped.
struct SecurePeers {
    let a: RTPSession, b: RTPSession
    let secureA: SecureRTPSocketPair, secureB: SecureRTPSocketPair
    let tapA: WireTap, tapB: WireTap

    init() async throws {
        let pairs = [try await UDPSocketPair.bind(host: "127.0.0.1"), try await UDPSocketPair.bind(host: "127.0.0.1")]
        tapA = WireTap(pairs[0])
        tapB = WireTap(pairs[1])
        secureA = SecureRTPSocketPair(tapA)
        secureB = SecureRTPSocketPair(tapB)
        a = RTPSession(sockets: secureA, minimumRTCPInterval: 0.2)
        b = RTPSession(sockets: secureB, minimumRTCPInterval: 0.2)
        a.setRemote(rtp: try address(b.rtpPort), rtcp: try address(b.rtcpPort))
        b.setRemote(rtp: try address(a.rtpPort), rtcp: try address(a.rtcpPort))
    }

    func address(_ port: Int) throws -> SocketAddress { try SocketAddress(ipAddress: "127.0.0.1", port: port) }

    /// Sends `count` PCMU packets from a to b and returns the payloads b received.
    func exchange(_ count: Int, payload: [UInt8]) async throws -> [[UInt8]] {
        var sequencer = RTPSequencer(ssrc: 0xABCD_0001, initialSequence: 1, timestampBase: 0)
        for i in 0..<count {
            let header = sequencer.next(sample: Int64(i * 160), samples: 160, payloadType: 0, payloadBytes: payload.count)
            let packet = RTPPacket(marker: header.marker, payloadType: 0, sequenceNumber: header.sequenceNumber,
                                   timestamp: header.timestamp, ssrc: header.ssrc, payload: payload)
            packet.bytes.withUnsafeBytes { a.send(rtp: $0) }
        }
        var received: [[UInt8]] = []
        try await Readiness.wait(for: "\(count) packets at b", timeout: .seconds(10)) {
            b.drain { bytes, _ in if let packet = try? RTPPacket(parsing: Array(bytes)) { received.append(packet.payload) } }
            return received.count >= count
        }
        return received
    }

    func close() async {
        await a.close()
        await b.close()
    }
}

@Suite("SRTP at the socket pair", .serialized)
struct SecureSocketPairTests {
    /// The bytes of a G.711 tone: what an eavesdropper must not find on the wire.
    let tone: [UInt8] = (0..<160).map { UInt8(truncatingIfNeeded: 0xFF &- ($0 % 20) &* 3) }

    @Test("SDES: RTP and RTCP go out protected, come in authenticated; the tone's bytes never appear on the wire")
    func sdes() async throws {
        let peers = try await SecurePeers()
        let aKey = SRTPMasterKey.random(for: .aesCM128HMACSHA1_80), bKey = SRTPMasterKey.random(for: .aesCM128HMACSHA1_80)
        try peers.secureA.useSDES(local: aKey, remote: bKey)
        try peers.secureB.useSDES(local: bKey, remote: aKey)
        #expect(peers.secureA.status == .encrypted(suite: .aesCM128HMACSHA1_80, keying: "SDES"))
        let received = try await peers.exchange(20, payload: tone)
        #expect(received.allSatisfy { $0 == tone }, "b decrypted what a sent")
        try await Readiness.wait(for: "an SRTCP report", timeout: .seconds(10)) { peers.tapA.sent.withLock { $0.contains { $0.rtcp } } }
        let wire = peers.tapA.sent.withLock { $0 }
        #expect(wire.filter { !$0.rtcp }.allSatisfy { $0.bytes.count == 12 + 160 + 10 }, "an 80-bit tag on each packet")
        #expect(!wire.contains { containsRun($0.bytes, Array(tone[0..<12])) }, "no run of the tone in the clear")
        #expect(wire.filter(\.rtcp).allSatisfy { $0.bytes.count > 14 && $0.bytes[$0.bytes.count - 14] & 0x80 != 0 }, "SRTCP E flag")
        #expect(peers.secureB.counters.unprotected >= 20 && peers.secureB.counters.rejected == 0)
        await peers.close()
    }

    @Test("until keys are settled nothing goes out; a packet with the wrong key is rejected, not delivered")
    func noPlaintextByAccident() async throws {
        let peers = try await SecurePeers()
        #expect(peers.secureA.status == .awaitingKeys)
        var sequencer = RTPSequencer(ssrc: 1, initialSequence: 1, timestampBase: 0)
        let header = sequencer.next(sample: 0, samples: 160, payloadType: 0, payloadBytes: tone.count)
        RTPPacket(marker: false, payloadType: 0, sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, ssrc: 1,
                  payload: tone).bytes.withUnsafeBytes { peers.a.send(rtp: $0) }
        #expect(peers.tapA.sent.withLock { $0.filter { !$0.rtcp }.isEmpty } && peers.secureA.counters.unkeyed >= 1)
        try peers.secureA.useSDES(local: SRTPMasterKey.random(for: .aeadAES128GCM), remote: SRTPMasterKey.random(for: .aeadAES128GCM))
        try peers.secureB.useSDES(local: SRTPMasterKey.random(for: .aeadAES128GCM), remote: SRTPMasterKey.random(for: .aeadAES128GCM))
        for _ in 0..<5 {
            let next = sequencer.next(sample: 160, samples: 160, payloadType: 0, payloadBytes: tone.count)
            RTPPacket(marker: false, payloadType: 0, sequenceNumber: next.sequenceNumber, timestamp: next.timestamp, ssrc: 1,
                      payload: tone).bytes.withUnsafeBytes { peers.a.send(rtp: $0) }
        }
        try await Readiness.wait(for: "rejections at b", timeout: .seconds(10)) { peers.secureB.counters.rejected >= 5 }
        var delivered = 0
        peers.b.drain { _, _ in delivered += 1 }
        #expect(delivered == 0)
        await peers.close()
    }

    @Test("DTLS-SRTP: a handshake on each port, fingerprints checked, then media flows encrypted", arguments: [false, true])
    func dtls(aIsClient: Bool) async throws {
        let peers = try await SecurePeers()
        let certificateA = try DTLSCertificate.selfSigned(), certificateB = try DTLSCertificate.selfSigned()
        let results = Mutex<[String: Result<SRTPSuite, SRTPError>]>([:])
        try peers.secureA.startDTLS(role: aIsClient ? .client : .server, certificate: certificateA, remoteFingerprint: certificateB.fingerprint,
                                    rtpPeer: try peers.address(peers.b.rtpPort), rtcpPeer: try peers.address(peers.b.rtcpPort)) { result in
            results.withLock { $0["a"] = result }
        }
        try peers.secureB.startDTLS(role: aIsClient ? .server : .client, certificate: certificateB, remoteFingerprint: certificateA.fingerprint,
                                    rtpPeer: try peers.address(peers.a.rtpPort), rtcpPeer: try peers.address(peers.a.rtcpPort)) { result in
            results.withLock { $0["b"] = result }
        }
        try await Readiness.wait(for: "both handshakes", timeout: .seconds(15)) { results.withLock { $0.count == 2 } }
        #expect(try results.withLock { $0["a"] }?.get() == .aesCM128HMACSHA1_80)
        #expect(try results.withLock { $0["b"] }?.get() == .aesCM128HMACSHA1_80)
        #expect(peers.secureA.status == .encrypted(suite: .aesCM128HMACSHA1_80, keying: "DTLS-SRTP"))
        let received = try await peers.exchange(10, payload: tone)
        #expect(received.allSatisfy { $0 == tone })
        #expect(!peers.tapA.sent.withLock { $0 }.contains { containsRun($0.bytes, Array(tone[0..<12])) })
        try await Readiness.wait(for: "SRTCP keyed on the RTCP port", timeout: .seconds(10)) { peers.secureB.counters.unprotected > 10 }
        await peers.close()
    }

    @Test("DTLS-SRTP: a certificate that does not match a=fingerprint fails keying on both sides, naming the fingerprints")
    func dtlsMismatch() async throws {
        let peers = try await SecurePeers()
        let certificateA = try DTLSCertificate.selfSigned(), certificateB = try DTLSCertificate.selfSigned()
        let promised = try DTLSCertificate.selfSigned().fingerprint   // what B's SDP "said"
        let results = Mutex<[String: Result<SRTPSuite, SRTPError>]>([:])
        try peers.secureA.startDTLS(role: .client, certificate: certificateA, remoteFingerprint: promised,
                                    rtpPeer: try peers.address(peers.b.rtpPort), rtcpPeer: try peers.address(peers.b.rtcpPort)) { result in
            results.withLock { $0["a"] = result }
        }
        try peers.secureB.startDTLS(role: .server, certificate: certificateB, remoteFingerprint: certificateA.fingerprint,
                                    rtpPeer: try peers.address(peers.a.rtpPort), rtcpPeer: try peers.address(peers.a.rtcpPort)) { result in
            results.withLock { $0["b"] = result }
        }
        try await Readiness.wait(for: "both results", timeout: .seconds(25)) { results.withLock { $0.count == 2 } }
        let error = try #require(results.withLock { $0["a"] }.flatMap { result -> SRTPError? in
            if case .failure(let error) = result { return error }
            return nil
        })
        #expect(error.description.contains("\(certificateB.fingerprint)") && error.description.contains("\(promised)"))
        #expect(throws: SRTPError.self) { try results.withLock { $0["b"] }?.get() }
        if case .failed = peers.secureA.status {} else { Issue.record("a: \(peers.secureA.status)") }
        await peers.close()
    }
}

func containsRun(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
}
