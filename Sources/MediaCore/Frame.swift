/// One unit of media on a link: a run of PCM samples or one encoded packet payload.
///
/// A frame points into pooled ``FrameStorage``; it carries no format (the format of a link is
/// fixed when the graph is built). `timestamp` is in samples of the link's clock rate, and
/// `sampleCount` is the duration the frame covers, per channel, in that clock.
///
/// Frames passed to ``MediaNode/process(_:port:context:)`` are read-only for the receiver:
/// the same frame may have been handed to several branches by a tee. A node that transforms
/// audio writes its result into storage from its own ``FramePool``.
public struct Frame: @unchecked Sendable {
    /// Properties of a frame beyond its samples.
    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The first frame after a gap in the timeline (after loss, a seek or a talk-spurt start).
        public static let discontinuity = Flags(rawValue: 1 << 0)
        /// RTP marker semantics: the start of a talk spurt (RFC 3551 §4.1).
        public static let marker = Flags(rawValue: 1 << 1)
        /// The media for this interval is missing; `byteCount` is 0 and a decoder should conceal.
        public static let missing = Flags(rawValue: 1 << 2)
        /// The samples were synthesized by concealment, not received.
        public static let concealed = Flags(rawValue: 1 << 3)
        /// The frame holds silence (it may be skipped by discontinuous transmission).
        public static let silence = Flags(rawValue: 1 << 4)
    }

    /// The memory the frame's bytes live in.
    public var storage: FrameStorage
    /// The number of valid bytes at the start of `storage`.
    public var byteCount: Int
    /// The duration of the frame in samples per channel of the link's clock.
    public var sampleCount: Int
    /// The position of the first sample on the stream's timeline.
    public var timestamp: MediaTime
    /// Flags such as ``Flags/missing`` or ``Flags/marker``.
    public var flags: Flags

    /// Creates a frame over `byteCount` bytes of `storage`.
    @inlinable
    public init(storage: FrameStorage, byteCount: Int, sampleCount: Int, timestamp: MediaTime,
                flags: Flags = []) {
        self.storage = storage
        self.byteCount = byteCount
        self.sampleCount = sampleCount
        self.timestamp = timestamp
        self.flags = flags
    }

    /// The frame's bytes.
    @inlinable
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage.bytes, count: byteCount) }

    /// The frame's 16-bit samples (interleaved when multichannel).
    @inlinable
    public var int16Samples: UnsafeBufferPointer<Int16> {
        UnsafeBufferPointer(start: storage.int16, count: byteCount / 2)
    }

    /// The frame's 32-bit float samples (interleaved when multichannel).
    @inlinable
    public var float32Samples: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: storage.float32, count: byteCount / 4)
    }

    /// The media time just after the frame's last sample.
    @inlinable
    public var endTime: MediaTime { timestamp.advanced(by: sampleCount) }
}
