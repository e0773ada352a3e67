/// The sending side of one RTP stream: SSRC, sequence numbers, timestamps, marker bits.
///
/// RFC 3550 §5.1: the initial sequence number and timestamp are random, so that known-plaintext
/// attacks on encryption are harder; the SSRC is random (§8). Timestamps follow media time, so a
/// gap in the media (silence suppression) shows as a timestamp jump and the next packet gets the
/// marker bit (RFC 3551 §4.1).
public struct RTPSequencer: Sendable {
    /// The stream's synchronization source.
    public let ssrc: UInt32
    /// The next sequence number.
    public private(set) var nextSequence: UInt16
    /// The RTP timestamp of media time zero.
    public let timestampBase: UInt32
    /// Packets and payload octets sent (for SR sender information).
    public private(set) var packetCount: UInt32 = 0, octetCount: UInt32 = 0
    private var expectedNextSample: Int64?

    /// Starts a stream; values left `nil` are drawn from `generator`.
    public init(ssrc: UInt32? = nil, initialSequence: UInt16? = nil, timestampBase: UInt32? = nil,
                using generator: inout some RandomNumberGenerator) {
        self.ssrc = ssrc ?? UInt32.random(in: 1...UInt32.max, using: &generator)
        nextSequence = initialSequence ?? UInt16.random(in: 0...UInt16.max, using: &generator)
        self.timestampBase = timestampBase ?? UInt32.random(in: 0...UInt32.max, using: &generator)
    }

    /// Starts a stream with system randomness for unset values.
    public init(ssrc: UInt32? = nil, initialSequence: UInt16? = nil, timestampBase: UInt32? = nil) {
        var generator = SystemRandomNumberGenerator()
        self.init(ssrc: ssrc, initialSequence: initialSequence, timestampBase: timestampBase, using: &generator)
    }

    /// The header fields for a packet of media starting at `sample` (media time in the payload's
    /// clock) and lasting `samples`. `startsSpurt` forces the marker (an RFC 4733 event start).
    public mutating func next(sample: Int64, samples: Int, payloadType: UInt8, payloadBytes: Int,
                              startsSpurt: Bool = false) -> RTPPacket {
        let marker = startsSpurt || expectedNextSample.map { sample > $0 } ?? true
        expectedNextSample = sample + Int64(samples)
        return packet(sample: sample, payloadType: payloadType, marker: marker, payloadBytes: payloadBytes)
    }

    /// The header fields for a packet that continues something already sent at `sample` (RFC 4733
    /// event updates keep the event's timestamp), without touching the talk-spurt tracking.
    public mutating func repeatTimestamp(sample: Int64, payloadType: UInt8, payloadBytes: Int) -> RTPPacket {
        packet(sample: sample, payloadType: payloadType, marker: false, payloadBytes: payloadBytes)
    }

    private mutating func packet(sample: Int64, payloadType: UInt8, marker: Bool, payloadBytes: Int) -> RTPPacket {
        let packet = RTPPacket(marker: marker, payloadType: payloadType, sequenceNumber: nextSequence,
                               timestamp: timestampBase &+ UInt32(truncatingIfNeeded: sample), ssrc: ssrc, payload: [])
        nextSequence &+= 1
        packetCount &+= 1
        octetCount &+= UInt32(truncatingIfNeeded: payloadBytes)
        return packet
    }

    /// The RTP timestamp of media time `sample`.
    public func timestamp(forSample sample: Int64) -> UInt32 { timestampBase &+ UInt32(truncatingIfNeeded: sample) }
}
