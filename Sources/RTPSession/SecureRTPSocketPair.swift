public import NIOCore
public import SRTP
import Synchronization

/// Media encryption at the socket boundary: an ``RTPSocketPair`` that protects what the session
/// sends and unprotects what it receives (SRTP and SRTCP, RFC 3711), with keys from SDES
/// (RFC 4568) or from DTLS handshakes on the media ports (RFC 5764), told apart from media by
/// their first octet (RFC 7983 §7).
///
/// ```
///  RTPSession ──RTP──▶ protect ──SRTP──▶ inner pair (UDP) ──▶ peer
///  RTPSession ◀─RTP─── unprotect ◀─SRTP── inner pair ◀─────── peer
///                                  ◀─DTLS─▶ DTLSHandshake per port (RTP, RTCP)
/// ```
/// Nothing leaves or arrives in the clear by accident: until the call's media is settled
/// (``usePlainRTP()``, ``useSDES(local:remote:)`` or ``startDTLS(…)``) every packet is dropped,
/// and once encrypted, a packet that fails authentication is dropped and counted, never
/// passed on. The session above never sees keys or handshakes.
public final class SecureRTPSocketPair: RTPSocketPair, @unchecked Sendable {
    /// What protects the media now.
    public enum Status: Sendable, Hashable, CustomStringConvertible {
        /// Offer/answer has not settled: nothing is sent or delivered.
        case awaitingKeys
        /// Plain RTP.
        case unencrypted
        /// Keys are being agreed by DTLS on the media path.
        case handshaking
        /// SRTP with this suite, keyed by `keying` (`SDES` or `DTLS-SRTP`).
        case encrypted(suite: SRTPSuite, keying: String)
        /// Keying failed; nothing is sent or delivered.
        case failed(String)

        public var description: String {
            switch self {
            case .awaitingKeys: "awaiting keys"
            case .unencrypted: "unencrypted"
            case .handshaking: "DTLS handshake in progress"
            case .encrypted(let suite, let keying): "\(suite) (\(keying))"
            case .failed(let reason): "failed: \(reason)"
            }
        }
    }

    /// Packets counted by what happened to them.
    public struct Counters: Sendable, Hashable {
        /// RTP and RTCP packets protected and sent.
        public var protected = 0
        /// SRTP and SRTCP packets authenticated and delivered.
        public var unprotected = 0
        /// Packets that failed authentication or replay checks, dropped.
        public var rejected = 0
        /// Packets dropped because no keys were settled yet (or keying failed).
        public var unkeyed = 0
        /// DTLS datagrams received.
        public var dtls = 0
    }

    /// Which port of the pair.
    enum Component: Int, Sendable { case rtp = 0, rtcp = 1 }

    private final class Protection: @unchecked Sendable {
        let outbound: SRTPStream, inbound: SRTPStream
        init(_ outbound: SRTPStream, _ inbound: SRTPStream) {
            self.outbound = outbound
            self.inbound = inbound
        }
    }

    private struct State {
        var status = Status.awaitingKeys
        /// Per component (RTP, RTCP): the streams, once keyed.
        var protection: [Protection?] = [nil, nil]
        var counters = Counters()
        /// DTLS datagrams that came before the handshake was set up (at most 16 per port).
        var early: [[(bytes: [UInt8], from: SocketAddress)]] = [[], []]
        var handshakes: [DTLSComponent?] = [nil, nil]
    }

    private let inner: any RTPSocketPair
    private let state = Mutex(State())
    /// Where outbound RTP is protected (the graph's thread) and outbound RTCP (the loop).
    private let rtpScratch: UnsafeMutableRawPointer, rtcpScratch: UnsafeMutableRawPointer
    private static let scratchCapacity = 1_500 + SRTPStream.maximumTrailer
    static let earlyLimit = 16

    /// Wraps `inner`; until keys are settled nothing passes.
    public init(_ inner: any RTPSocketPair) {
        self.inner = inner
        rtpScratch = .allocate(byteCount: Self.scratchCapacity, alignment: 16)
        rtcpScratch = .allocate(byteCount: Self.scratchCapacity, alignment: 16)
    }

    deinit {
        rtpScratch.deallocate()
        rtcpScratch.deallocate()
    }

    public var rtpPort: Int { inner.rtpPort }
    public var eventLoop: any EventLoop { inner.eventLoop }

    /// What protects the media now.
    public var status: Status { state.withLock { $0.status } }

    /// Packets by fate.
    public var counters: Counters { state.withLock { $0.counters } }

    // MARK: Settling the keys

    /// The call settled on plain RTP: packets pass unchanged.
    public func usePlainRTP() {
        state.withLock {
            $0.status = .unencrypted
            $0.protection = [nil, nil]
            $0.early = [[], []]
        }
    }

    /// The call settled on SDES keys: protect with `local`, unprotect with `remote`, on both ports.
    /// - Throws: ``SRTPError`` when the keys do not make a session.
    public func useSDES(local: SRTPMasterKey, remote: SRTPMasterKey) throws(SRTPError) {
        let protection = Protection(try SRTPStream(key: local, direction: .outbound), try SRTPStream(key: remote, direction: .inbound))
        state.withLock {
            $0.status = .encrypted(suite: local.suite, keying: "SDES")
            $0.protection = [protection, protection]
            $0.early = [[], []]
        }
    }

    /// The call settled on DTLS-SRTP: runs a handshake on each port (RFC 5764 §4.1: RTP and
    /// RTCP each have one unless multiplexed), as `role`, with `certificate`, and accepts the
    /// peer only if its certificate has `remoteFingerprint`.
    /// - Parameters:
    ///   - rtpPeer, rtcpPeer: where to send handshakes until the peer's own arrive.
    ///   - onResult: called once, on the event loop: the suite when RTP is keyed, or why not.
    public func startDTLS(role: DTLSHandshake.Role, certificate: DTLSCertificate, remoteFingerprint: CertificateFingerprint,
                          rtpPeer: SocketAddress, rtcpPeer: SocketAddress,
                          onResult: @escaping @Sendable (Result<SRTPSuite, SRTPError>) -> Void) throws(SRTPError) {
        let report = ResultOnce(onResult)
        var made: [DTLSComponent] = []
        for (component, peer) in [(Component.rtp, rtpPeer), (.rtcp, rtcpPeer)] {
            let handshake = try DTLSHandshake(role: role, certificate: certificate, remoteFingerprint: remoteFingerprint)
            made.append(DTLSComponent(component: component, handshake: handshake, peer: peer, owner: self, report: report))
        }
        let components = made
        let early = state.withLock { s -> [[(bytes: [UInt8], from: SocketAddress)]] in
            s.status = .handshaking
            s.handshakes = components
            defer { s.early = [[], []] }
            return s.early
        }
        inner.eventLoop.execute {
            for component in components {
                component.start()
                for datagram in early[component.component.rawValue] { component.receive(datagram.bytes, from: datagram.from) }
            }
        }
    }

    /// A port's handshake finished: its streams are ready (called on the event loop).
    fileprivate func keyed(_ component: Component, keys: DTLSKeys) throws(SRTPError) {
        let protection = Protection(try SRTPStream(key: keys.local, direction: .outbound),
                                    try SRTPStream(key: keys.remote, direction: .inbound))
        state.withLock {
            $0.protection[component.rawValue] = protection
            if component == .rtp { $0.status = .encrypted(suite: keys.suite, keying: "DTLS-SRTP") }
        }
    }

    /// Keying failed: nothing passes any more (called on the event loop).
    fileprivate func failed(_ error: SRTPError) {
        state.withLock {
            $0.status = .failed(error.description)
            $0.protection = [nil, nil]
        }
    }

    /// Sends a DTLS datagram on a port.
    fileprivate func sendHandshake(_ datagram: [UInt8], on component: Component, to peer: SocketAddress) {
        switch component {
        case .rtp: datagram.withUnsafeBytes { inner.sendRTP($0, to: peer) }
        case .rtcp: inner.sendRTCP(datagram, to: peer)
        }
    }

    // MARK: RTPSocketPair

    public func start(rtp: @escaping @Sendable ([UInt8], SocketAddress) -> Void,
                      rtcp: @escaping @Sendable ([UInt8], SocketAddress) -> Void) {
        inner.start(rtp: { [weak self] bytes, from in self?.received(bytes, from: from, on: .rtp, deliver: rtp) },
                    rtcp: { [weak self] bytes, from in self?.received(bytes, from: from, on: .rtcp, deliver: rtcp) })
    }

    public func sendRTP(_ packet: UnsafeRawBufferPointer, to address: SocketAddress) {
        let (status, protection) = state.withLock { ($0.status, $0.protection[Component.rtp.rawValue]) }
        if case .unencrypted = status { return inner.sendRTP(packet, to: address) }
        guard let protection, let base = packet.baseAddress, packet.count + SRTPStream.maximumTrailer <= Self.scratchCapacity else {
            return count { $0.unkeyed += 1 }
        }
        rtpScratch.copyMemory(from: base, byteCount: packet.count)
        guard let length = try? protection.outbound.protectRTP(rtpScratch, length: packet.count) else { return count { $0.rejected += 1 } }
        count { $0.protected += 1 }
        inner.sendRTP(UnsafeRawBufferPointer(start: rtpScratch, count: length), to: address)
    }

    public func sendRTCP(_ packet: [UInt8], to address: SocketAddress) {
        let (status, protection) = state.withLock { ($0.status, $0.protection[Component.rtcp.rawValue]) }
        if case .unencrypted = status { return inner.sendRTCP(packet, to: address) }
        guard let protection, packet.count + SRTPStream.maximumTrailer <= Self.scratchCapacity else { return count { $0.unkeyed += 1 } }
        packet.withUnsafeBytes { rtcpScratch.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        guard let length = try? protection.outbound.protectRTCP(rtcpScratch, length: packet.count) else {
            return count { $0.rejected += 1 }
        }
        count { $0.protected += 1 }
        inner.sendRTCP(Array(UnsafeRawBufferPointer(start: rtcpScratch, count: length)), to: address)
    }

    public func close() {
        let components = state.withLock { s -> [DTLSComponent?] in
            defer { s.handshakes = [nil, nil] }
            return s.handshakes
        }
        for component in components { component?.cancel() }
        inner.close()
    }

    // MARK: Receiving

    private func received(_ bytes: [UInt8], from: SocketAddress, on component: Component,
                          deliver: @Sendable ([UInt8], SocketAddress) -> Void) {
        guard let first = bytes.first else { return }
        let kind = PacketClass(firstOctet: first)
        let (status, protection, handshake) = state.withLock { s in
            (s.status, s.protection[component.rawValue], s.handshakes[component.rawValue])
        }
        if case .unencrypted = status { return deliver(bytes, from) }
        switch kind {
        case .dtls:
            count { $0.dtls += 1 }
            if let handshake {
                inner.eventLoop.execute { handshake.receive(bytes, from: from) }
            } else if case .awaitingKeys = status {
                state.withLock { s in
                    if s.early[component.rawValue].count < Self.earlyLimit { s.early[component.rawValue].append((bytes, from)) }
                }
            }
        case .rtp:
            guard let protection else { return count { $0.unkeyed += 1 } }
            var packet = bytes
            let length: Int? = packet.withUnsafeMutableBytes { raw in
                // The inbound buffer has no room after it, but unprotecting only shortens.
                switch component {
                case .rtp: try? protection.inbound.unprotectRTP(raw.baseAddress!, length: raw.count)
                case .rtcp: try? protection.inbound.unprotectRTCP(raw.baseAddress!, length: raw.count)
                }
            }
            guard let length else { return count { $0.rejected += 1 } }
            packet.removeLast(packet.count - length)
            count { $0.unprotected += 1 }
            deliver(packet, from)
        default:
            count { $0.unkeyed += 1 }   // STUN, ZRTP, TURN: not used by Callwire
        }
    }

    private func count(_ body: (inout Counters) -> Void) {
        state.withLock { body(&$0.counters) }
    }
}

/// Calls a result handler at most once.
private final class ResultOnce: Sendable {
    private let handler = Mutex<(@Sendable (Result<SRTPSuite, SRTPError>) -> Void)?>(nil)
    init(_ handler: @escaping @Sendable (Result<SRTPSuite, SRTPError>) -> Void) {
        self.handler.withLock { $0 = handler }
    }
    func callAsFunction(_ result: Result<SRTPSuite, SRTPError>) {
        let handler = handler.withLock { h -> (@Sendable (Result<SRTPSuite, SRTPError>) -> Void)? in
            defer { h = nil }
            return h
        }
        handler?(result)
    }
}

/// One port's DTLS handshake, its retransmission timer and its overall deadline; touched only
/// on the pair's event loop.
private final class DTLSComponent: @unchecked Sendable {
    /// A handshake that has not finished by then has failed (the peer is not there, or drops it).
    static let deadline = TimeAmount.seconds(20)

    let component: SecureRTPSocketPair.Component
    private let handshake: DTLSHandshake
    private var peer: SocketAddress
    private weak var owner: SecureRTPSocketPair?
    private let report: ResultOnce
    private var timer: Scheduled<Void>?, giveUp: Scheduled<Void>?
    private var done = false

    init(component: SecureRTPSocketPair.Component, handshake: DTLSHandshake, peer: SocketAddress, owner: SecureRTPSocketPair,
         report: ResultOnce) {
        self.component = component
        self.handshake = handshake
        self.peer = peer
        self.owner = owner
        self.report = report
    }

    func start() {
        guard let owner else { return }
        giveUp = owner.eventLoop.scheduleTask(in: Self.deadline) { [self] in
            fail(SRTPError("the DTLS handshake on the \(component == .rtp ? "RTP" : "RTCP") port did not finish within "
                           + "\(Self.deadline.nanoseconds / 1_000_000_000) s"))
        }
        handle(handshake.start())
    }

    func receive(_ datagram: [UInt8], from: SocketAddress) {
        peer = from   // answer where the peer really is
        handle(handshake.receive(datagram))
    }

    func cancel() {
        guard let loop = owner?.eventLoop else { return }
        loop.execute { [self] in
            timer?.cancel()
            giveUp?.cancel()
            done = true
        }
    }

    private func handle(_ events: [DTLSHandshake.Event]) {
        guard let owner else { return }
        for event in events {
            switch event {
            case .send(let datagram):
                owner.sendHandshake(datagram, on: component, to: peer)
            case .established(let keys):
                giveUp?.cancel()
                do {
                    try owner.keyed(component, keys: keys)
                    if component == .rtp { report(.success(keys.suite)) }
                } catch {
                    fail(error)
                }
            case .failed(let error):
                fail(error)
            }
        }
        rearm()
    }

    private func rearm() {
        timer?.cancel()
        guard !done, let owner, let delay = handshake.timeoutDelay else { return }
        timer = owner.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay.components.seconds) * 1_000_000_000
                                                             + delay.components.attoseconds / 1_000_000_000 + 1_000_000)) { [self] in
            handle(handshake.handleTimeout())
        }
    }

    private func fail(_ error: SRTPError) {
        guard !done else { return }
        done = true
        timer?.cancel()
        giveUp?.cancel()
        owner?.failed(error)
        report(.failure(error))
    }
}
