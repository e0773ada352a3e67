import struct NIOConcurrencyHelpers.NIOLockedValueBox
public import NIOCore
public import NIOPosix
public import RTP
import Synchronization

/// One RTP session on UDP (RFC 3550): RTP on an even port, RTCP on the next one.
///
/// The graph's `rtp-sender` sends through it (``RTPPacketSink``) and its `rtp-receiver` drains
/// it each tick (``RTPPacketSource``). Media is symmetric (RFC 4961): packets go to the address
/// the SDP gave until the first valid packet arrives, then to the address it came from, and
/// packets from any other source are dropped and counted. RTCP runs on its own: sender or
/// receiver reports with SDES CNAME at the RFC 3550 §6.2 interval, BYE on close; reports from
/// the peer become ``RemoteReport`` values (loss, jitter, round-trip time).
public final class RTPSession: RTPPacketSink, RTPPacketSource, @unchecked Sendable {
    /// The local RTP port (even) and RTCP port (RTP + 1).
    public let rtpPort: Int, rtcpPort: Int
    /// The payload clock rate, for jitter and RTCP timestamps.
    public var clockRate: Int { rate.load(ordering: .relaxed) }
    private let rate: Atomic<Int>
    /// The CNAME this side sends in SDES.
    public let cname: String

    /// The sockets the session runs on (a ``SecureRTPSocketPair`` when the media is encrypted).
    public let sockets: any RTPSocketPair
    /// Whether RTP goes out (an atomic: the graph reads it for every frame).
    private let sending = Atomic<Bool>(true)
    /// Behind a pthread mutex (NIOLock), not Synchronization's `Mutex`: the network thread and the
    /// media pool contend for it every packet, and on Linux a contended `Mutex` is handed over by
    /// the kernel (a priority-inheriting futex), which ThreadSanitizer cannot see — `make tsan`
    /// reported the inbox as raced under load. NIOLock's pthread calls are intercepted.
    private let state: NIOLockedValueBox<State>
    private let reportHandler = Mutex<ReportHandler?>(nil)
    private let epoch: NIODeadline
    private let unixEpochNanoseconds: Int64

    struct State {
        var remoteRTP: SocketAddress?
        var remoteRTCP: SocketAddress?
        var latchedRTP: SocketAddress?
        var latchedRTCP: SocketAddress?
        var inbox: [(bytes: [UInt8], arrival: Int64)] = []
        var remoteSSRC: UInt32?
        var statistics = ReceptionStatistics()
        var foreign = 0
        var localSSRC: UInt32?
        var packetsSent: UInt32 = 0, octetsSent: UInt32 = 0
        var lastRTPTimestamp: UInt32 = 0, lastSendNanos: Int64 = 0
        var sentSinceReport = false
        var lastSenderReport: (compact: UInt32, arrival: Int64)?
        var schedule: RTCPSchedule
        var members = 2
        var closed = false
        /// The peer sent RTCP BYE (RFC 3550 §6.6): no more packets will come.
        var remoteLeft = false
        var latestReport: RemoteReport?
        var reportTimer: Scheduled<Void>?
        var random = SystemRandomNumberGenerator()
    }

    /// A session on `sockets`: RTCP starts at once, on the sockets' event loop.
    /// - Parameters:
    ///   - clockRate: the payload clock until ``setClockRate(_:)``.
    ///   - cname: the SDES CNAME (default `callwire@<port>`).
    ///   - sessionBandwidth: bits per second of the media (sets the RTCP share, RFC 3550 §6.2).
    ///   - minimumRTCPInterval: 5 s by RFC 3550 §6.2; tests may shorten it.
    public init(sockets: any RTPSocketPair, clockRate: Int = 8_000, cname: String? = nil,
                sessionBandwidth: Double = 80_000, minimumRTCPInterval: Double = 5) {
        self.sockets = sockets
        rtpPort = sockets.rtpPort
        rtcpPort = sockets.rtpPort + 1
        rate = Atomic(clockRate)
        self.cname = cname ?? "callwire@\(sockets.rtpPort)"
        epoch = sockets.eventLoop.now
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        unixEpochNanoseconds = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        state = NIOLockedValueBox(State(schedule: RTCPSchedule(sessionBandwidth: sessionBandwidth, minimumInterval: minimumRTCPInterval)))
        sockets.start(rtp: { [weak self] bytes, from in self?.receiveRTP(bytes, from: from) },
                      rtcp: { [weak self] bytes, from in self?.receiveRTCP(bytes, from: from) })
        scheduleReport(initial: true)
    }

    /// Binds a session on UDP on `host`: an even port from `ports` for RTP and the next one for RTCP.
    /// - Parameters:
    ///   - sessionBandwidth: bits per second of the media (sets the RTCP share, RFC 3550 §6.2).
    ///   - minimumRTCPInterval: 5 s by RFC 3550; tests may shorten it.
    public static func bind(host: String, ports: ClosedRange<Int> = 16_384...32_766, clockRate: Int = 8_000,
                            cname: String? = nil, sessionBandwidth: Double = 80_000, minimumRTCPInterval: Double = 5,
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> RTPSession {
        let sockets = try await UDPSocketPair.bind(host: host, ports: ports, group: group)
        return RTPSession(sockets: sockets, clockRate: clockRate, cname: cname ?? "callwire@\(host)",
                          sessionBandwidth: sessionBandwidth, minimumRTCPInterval: minimumRTCPInterval)
    }

    /// Sets the RTP clock rate once the codec is negotiated (RFC 3550 §6.4.1: jitter and the
    /// SR's RTP timestamp are in the payload's clock units). Call before media flows.
    public func setClockRate(_ clockRate: Int) { rate.store(clockRate, ordering: .relaxed) }

    /// Where to send until the peer's packets show where it really is (from the SDP). A new
    /// address (a re-INVITE moved the peer, RFC 3264 §8.3.1) drops the latched one: packets go
    /// to the new address, and the first packet from it latches again.
    public func setRemote(rtp: SocketAddress, rtcp: SocketAddress) {
        state.withLockedValue {
            if let previous = $0.remoteRTP, previous != rtp {
                $0.latchedRTP = nil
                $0.latchedRTCP = nil
            }
            $0.remoteRTP = rtp
            $0.remoteRTCP = rtcp
        }
    }

    /// Whether RTP goes out (false while the call is held in a direction where this side does
    /// not send, RFC 3264 §8.4). RTCP keeps flowing either way (RFC 3264 §5.1).
    public func setSending(_ on: Bool) { sending.store(on, ordering: .relaxed) }

    public var isSending: Bool { sending.load(ordering: .relaxed) }

    /// The address RTP goes to now (the latched one once the peer's packets have arrived).
    public var remoteRTPAddress: SocketAddress? { state.withLockedValue { $0.latchedRTP ?? $0.remoteRTP } }

    /// Called with each report the peer sends about this side's stream.
    public func onReport(_ handler: @escaping @Sendable (RemoteReport) -> Void) {
        let box = ReportHandler(handler)
        reportHandler.withLock { $0 = box }
    }

    /// The last report the peer sent about this side's stream.
    public var latestReport: RemoteReport? { state.withLockedValue { $0.latestReport } }

    /// What this side has measured about the stream it receives.
    public var reception: ReceptionSnapshot {
        state.withLockedValue {
            ReceptionSnapshot(received: Int($0.statistics.received), lost: Int($0.statistics.cumulativeLost),
                              jitter: $0.statistics.jitter / Double(clockRate), foreign: $0.foreign)
        }
    }

    private var nanosecondsSinceStart: Int64 {
        Int64(sockets.eventLoop.now.uptimeNanoseconds) - Int64(epoch.uptimeNanoseconds)
    }

    // MARK: Sending (RTPPacketSink)

    public func send(rtp packet: UnsafeRawBufferPointer) {
        guard let header = try? RTPHeader(parsing: packet) else { return }
        let target: SocketAddress? = state.withLockedValue { s in
            guard !s.closed, sending.load(ordering: .relaxed) else { return nil }
            s.localSSRC = header.ssrc
            s.packetsSent &+= 1
            s.octetsSent &+= UInt32(header.payloadRange.count)
            s.lastRTPTimestamp = header.timestamp
            s.lastSendNanos = nanosecondsSinceStart
            s.sentSinceReport = true
            return s.latchedRTP ?? s.remoteRTP
        }
        guard let target else { return }
        sockets.sendRTP(packet, to: target)
    }

    // MARK: Receiving (RTPPacketSource)

    public func drain(_ body: (UnsafeRawBufferPointer, Int64) -> Void) {
        let packets = state.withLockedValue { s -> [(bytes: [UInt8], arrival: Int64)] in
            defer { s.inbox.removeAll(keepingCapacity: true) }
            return s.inbox
        }
        for packet in packets { packet.bytes.withUnsafeBytes { body($0, packet.arrival) } }
    }

    public var isClosed: Bool { state.withLockedValue { $0.closed || $0.remoteLeft } }

    private func receiveRTP(_ bytes: [UInt8], from source: SocketAddress) {
        guard let header = try? bytes.withUnsafeBytes({ try RTPHeader(parsing: $0) }) else { return }
        let arrival = nanosecondsSinceStart
        state.withLockedValue { s in
            // Symmetric RTP: latch to the first valid source; others are strangers.
            if let latched = s.latchedRTP, latched != source {
                s.foreign += 1
                return
            }
            if s.latchedRTP == nil {
                s.latchedRTP = source
                s.remoteSSRC = header.ssrc
            }
            s.statistics.record(sequence: header.sequenceNumber, timestamp: header.timestamp,
                                arrival: arrival / 1_000 * Int64(clockRate) / 1_000_000)
            if s.inbox.count < 1_000 { s.inbox.append((bytes, arrival)) }
        }
    }

    // MARK: RTCP

    private func receiveRTCP(_ bytes: [UInt8], from source: SocketAddress) {
        guard let packets = try? RTCPCompound.parse(bytes) else { return }
        let arrival = nanosecondsSinceStart
        var report: RemoteReport?
        state.withLockedValue { s in
            if s.latchedRTCP == nil { s.latchedRTCP = source }
            s.schedule.notePacket(size: bytes.count + 28)
            for packet in packets {
                var blocks: [ReportBlock] = []
                switch packet {
                case .senderReport(_, let sender, let reports):
                    s.lastSenderReport = (sender.compactNTP, arrival)
                    blocks = reports
                case .receiverReport(_, let reports):
                    blocks = reports
                case .goodbye:
                    s.remoteLeft = true
                default:
                    break
                }
                for block in blocks where block.ssrc == s.localSSRC {
                    let rtt = NTPTime.roundTrip(arrivalCompact: compactNTP(atNanoseconds: arrival),
                                                lastSenderReport: block.lastSenderReport, delay: block.delaySinceLastSenderReport)
                    let value = RemoteReport(block: block, clockRate: clockRate, roundTrip: rtt)
                    s.latestReport = value
                    report = value
                }
            }
        }
        if let report, let handler = reportHandler.withLock({ $0 }) { handler.call(report) }
    }

    private func compactNTP(atNanoseconds nanos: Int64) -> UInt32 {
        UInt32(truncatingIfNeeded: NTPTime.from(unixNanoseconds: unixEpochNanoseconds + nanos) >> 16)
    }

    private func scheduleReport(initial: Bool) {
        let seconds = state.withLockedValue { s in
            s.schedule.nextInterval(members: s.members, senders: s.sentSinceReport ? 1 : 0, weSent: s.sentSinceReport,
                                    initial: initial, random: Double.random(in: 0..<1, using: &s.random))
        }
        let timer = sockets.eventLoop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) { [weak self] in
            guard let self, !self.state.withLockedValue({ $0.closed }) else { return }
            self.sendReport(goodbye: false)
            self.scheduleReport(initial: false)
        }
        state.withLockedValue { s in
            if s.closed { timer.cancel() } else { s.reportTimer = timer }
        }
    }

    /// Builds and sends one compound RTCP packet: SR or RR, SDES CNAME, and BYE when leaving.
    private func sendReport(goodbye: Bool) {
        let now = nanosecondsSinceStart
        let (compound, target): ([UInt8], SocketAddress?) = state.withLockedValue { s in
            let ssrc = s.localSSRC ?? 0
            var blocks: [ReportBlock] = []
            if let remote = s.remoteSSRC, s.statistics.received > 0 {
                var lsr: UInt32 = 0, dlsr: UInt32 = 0
                if let last = s.lastSenderReport {
                    lsr = last.compact
                    dlsr = UInt32(truncatingIfNeeded: (now - last.arrival) * 65_536 / 1_000_000_000)
                }
                blocks.append(s.statistics.makeReport(ssrc: remote, lastSenderReport: lsr, delaySinceLastSenderReport: dlsr))
            }
            var packets: [RTCPPacket]
            if s.sentSinceReport {
                // The RTP timestamp of "now", extrapolated from the last packet sent (§6.4.1).
                let elapsed = (now - s.lastSendNanos) * Int64(clockRate) / 1_000_000_000
                let sender = SenderInfo(ntpTimestamp: NTPTime.from(unixNanoseconds: unixEpochNanoseconds + now),
                                        rtpTimestamp: s.lastRTPTimestamp &+ UInt32(truncatingIfNeeded: elapsed),
                                        packetCount: s.packetsSent, octetCount: s.octetsSent)
                packets = [.senderReport(ssrc: ssrc, sender: sender, reports: blocks)]
            } else {
                packets = [.receiverReport(ssrc: ssrc, reports: blocks)]
            }
            s.sentSinceReport = false
            packets.append(.sourceDescription([.cname(ssrc, cname)]))
            if goodbye { packets.append(.goodbye(ssrcs: [ssrc], reason: "session ended")) }
            let bytes = RTCPCompound.serialize(packets)
            s.schedule.notePacket(size: bytes.count + 28)
            return (bytes, s.latchedRTCP ?? s.remoteRTCP)
        }
        guard let target else { return }
        sockets.sendRTCP(compound, to: target)
    }

    /// Sends a final report with BYE and closes both sockets; the RTCP timer is cancelled.
    public func close() async { closeSoon() }

    /// ``close()`` without waiting: the BYE is sent and the sockets are closing when it returns.
    public func closeSoon() {
        guard !state.withLockedValue({ $0.closed }) else { return }
        sendReport(goodbye: true)
        let timer = state.withLockedValue { s -> Scheduled<Void>? in
            s.closed = true
            defer { s.reportTimer = nil }
            return s.reportTimer
        }
        timer?.cancel()
        sockets.close()
    }
}

/// The session could not be set up.
public struct RTPSessionError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Holds a callback behind a lock. A closure kept directly in a `Mutex` is re-abstracted on
/// every `withLock { $0 }` (the inout value is written back through thunks), so each read would
/// wrap it once more until the stack overflows; a class reference does not change.
private final class ReportHandler: Sendable {
    let call: @Sendable (RemoteReport) -> Void
    init(_ call: @escaping @Sendable (RemoteReport) -> Void) { self.call = call }
}
