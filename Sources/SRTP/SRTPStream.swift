import CSRTP

/// libsrtp is initialized once per process, before the first session.
private let srtpLibraryReady: Bool = srtp_init() == srtp_err_status_ok

/// One direction of an SRTP session (RFC 3711): protects the RTP and RTCP this side sends, or
/// unprotects (authenticates, checks for replays, decrypts) what it receives.
///
/// ```
///   outbound: RTP  ──protectRTP──▶  SRTP     RTCP ──protectRTCP──▶ SRTCP
///   inbound:  SRTP ──unprotectRTP─▶ RTP      SRTCP ─unprotectRTCP─▶ RTCP
/// ```
/// Packets are changed in place: a buffer holding an RTP packet must have room for
/// ``maximumTrailer`` more octets (the authentication tag, and SRTCP's index).
///
/// RTP and RTCP each have their own libsrtp context, so one thread may protect RTP (the
/// graph's) while another protects RTCP (the session's event loop). Calls for RTP must come
/// from one thread at a time, and so must calls for RTCP.
public final class SRTPStream: @unchecked Sendable {
    /// Which way the stream's packets go.
    public enum Direction: Sendable, Hashable {
        /// Packets this side sends: protect.
        case outbound
        /// Packets this side receives: unprotect.
        case inbound
    }

    /// Room an RTP or RTCP packet needs after its last octet: the longest tag plus an MKI
    /// (`SRTP_MAX_TRAILER_LEN`), plus SRTCP's E flag and index (RFC 3711 §3.4).
    public static let maximumTrailer = Int(SRTP_MAX_TRAILER_LEN) + 4
    /// The most sources an inbound stream keeps state for (RFC 3711 §3.2.3: one cryptographic
    /// context per SSRC). A peer that changes its SSRC more often makes the oldest one go.
    static let maximumSources = 8

    /// The negotiated suite.
    public let suite: SRTPSuite
    /// Protect or unprotect.
    public let direction: Direction
    private let rtp: srtp_t, rtcp: srtp_t
    private var rtpSources: [UInt32] = [], rtcpSources: [UInt32] = []

    /// A stream keyed with `key` (one per direction: each side has its own master key).
    /// - Parameter replayWindow: packets remembered for replay checks (inbound; RFC 3711 §3.3.2).
    /// - Throws: ``SRTPError`` when libsrtp refuses the policy.
    public init(key: SRTPMasterKey, direction: Direction, replayWindow: Int = 128) throws(SRTPError) {
        guard srtpLibraryReady else { throw SRTPError("libsrtp could not be initialized") }
        suite = key.suite
        self.direction = direction
        rtp = try Self.create(key: key, direction: direction, replayWindow: replayWindow)
        do {
            rtcp = try Self.create(key: key, direction: direction, replayWindow: replayWindow)
        } catch {
            srtp_dealloc(rtp)
            throw error
        }
    }

    deinit {
        srtp_dealloc(rtp)
        srtp_dealloc(rtcp)
    }

    private static func create(key: SRTPMasterKey, direction: Direction, replayWindow: Int) throws(SRTPError) -> srtp_t {
        var policy = srtp_policy_t()
        key.suite.configure(&policy)
        policy.ssrc.type = direction == .outbound ? ssrc_any_outbound : ssrc_any_inbound
        policy.window_size = UInt(replayWindow)
        policy.allow_repeat_tx = 0
        var session: srtp_t?
        let status = key.keyAndSalt.withUnsafeBufferPointer { bytes in
            policy.key = UnsafeMutablePointer(mutating: bytes.baseAddress)
            return srtp_create(&session, &policy)
        }
        guard status == srtp_err_status_ok, let session else {
            throw SRTPError("libsrtp refused a \(key.suite) session: \(SRTPError.text(status))", status: Int32(status.rawValue))
        }
        return session
    }

    /// Protects the RTP packet of `length` octets at `packet`, in place.
    /// - Returns: the SRTP packet's length (`length` plus the tag).
    /// - Throws: ``SRTPError`` for a malformed packet or a misuse (an inbound stream).
    @inline(__always)
    public func protectRTP(_ packet: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        var count = Int32(length)
        let status = srtp_protect(rtp, packet, &count)
        guard status == srtp_err_status_ok else { throw Self.failure("protect an RTP packet", status) }
        return Int(count)
    }

    /// Authenticates, replay-checks and decrypts the SRTP packet of `length` octets at
    /// `packet`, in place.
    /// - Returns: the RTP packet's length.
    /// - Throws: ``SRTPError`` when the packet fails authentication, is a replay, or is malformed.
    @inline(__always)
    public func unprotectRTP(_ packet: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        var count = Int32(length)
        let status = srtp_unprotect(rtp, packet, &count)
        guard status == srtp_err_status_ok else { throw Self.failure("unprotect an SRTP packet", status) }
        if length >= 12 { note(source: Self.readSSRC(packet + 8), in: &rtpSources, context: rtp) }
        return Int(count)
    }

    /// Protects the compound RTCP packet of `length` octets at `packet`, in place (SRTCP:
    /// encrypted after the first header, E flag and index, tag; RFC 3711 §3.4).
    public func protectRTCP(_ packet: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        var count = Int32(length)
        let status = srtp_protect_rtcp(rtcp, packet, &count)
        guard status == srtp_err_status_ok else { throw Self.failure("protect an RTCP packet", status) }
        return Int(count)
    }

    /// Authenticates, replay-checks and decrypts the SRTCP packet at `packet`, in place.
    /// - Returns: the RTCP packet's length.
    public func unprotectRTCP(_ packet: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        var count = Int32(length)
        let status = srtp_unprotect_rtcp(rtcp, packet, &count)
        guard status == srtp_err_status_ok else { throw Self.failure("unprotect an SRTCP packet", status) }
        if length >= 8 { note(source: Self.readSSRC(packet + 4), in: &rtcpSources, context: rtcp) }
        return Int(count)
    }

    /// Keeps the inbound sources libsrtp holds state for to ``maximumSources``.
    @inline(__always)
    private func note(source: UInt32, in sources: inout [UInt32], context: srtp_t) {
        if sources.last == source { return }
        if let index = sources.firstIndex(of: source) {
            sources.remove(at: index)
        } else if sources.count == Self.maximumSources {
            srtp_remove_stream(context, sources.removeFirst().bigEndian)
        }
        sources.append(source)
    }

    private static func readSSRC(_ pointer: UnsafeMutableRawPointer) -> UInt32 {
        UInt32(bigEndian: pointer.loadUnaligned(as: UInt32.self))
    }

    private static func failure(_ what: String, _ status: srtp_err_status_t) -> SRTPError {
        SRTPError("cannot \(what): \(SRTPError.text(status))", status: Int32(status.rawValue))
    }
}
