/// One unit of media on a link: a run of PCM samples or one encoded packet payload.
///
/// A frame is a *view*: it points into memory owned by the node that produced it (a
/// ``FramePool`` block) and is valid only for the duration of the call it is passed to. Frames
/// carry no reference counting, so passing one down a chain of nodes costs nothing; a node that
/// needs the data later (a jitter buffer, a test capture) keeps a ``copy()`` — an
/// ``OwnedFrame`` — instead. (``FrameStorage`` is the owned memory of such copies.) A frame carries no format: the format of a link is fixed when the
/// graph is built.
///
/// `timestamp` is in samples of the link's clock rate, and `sampleCount` is the duration the
/// frame covers, per channel, in that clock. Frames passed to ``MediaNode/process(_:port:context:)``
/// are read-only for the receiver: a tee hands the same frame to several branches.
public struct Frame {
    /// Properties of a frame beyond its samples.
    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The first frame after a gap in the timeline (after loss, a seek or a talk-spurt start).
        @inlinable public static var discontinuity: Flags { Flags(rawValue: 1 << 0) }
        /// RTP marker semantics: the start of a talk spurt (RFC 3551 §4.1).
        @inlinable public static var marker: Flags { Flags(rawValue: 1 << 1) }
        /// The media for this interval is missing and a decoder should conceal it. `byteCount` is 0
        /// unless the frame also carries ``nextPacketAttached``.
        @inlinable public static var missing: Flags { Flags(rawValue: 1 << 2) }
        /// The samples were synthesized by concealment, not received.
        @inlinable public static var concealed: Flags { Flags(rawValue: 1 << 3) }
        /// The frame holds silence (it may be skipped by discontinuous transmission).
        @inlinable public static var silence: Flags { Flags(rawValue: 1 << 4) }
        /// On a ``missing`` frame: its bytes are the payload of the packet that follows the gap,
        /// which the jitter buffer already holds. A decoder with in-band forward error correction
        /// recovers the lost media from it (Opus, RFC 6716 §2.1.7); any other decoder conceals as
        /// usual and ignores the bytes. The packet itself is still delivered in its own turn.
        @inlinable public static var nextPacketAttached: Flags { Flags(rawValue: 1 << 5) }
    }

    /// The first byte of the frame's data.
    public let baseAddress: UnsafeRawPointer
    /// The number of valid bytes.
    public var byteCount: Int
    /// The duration of the frame in samples per channel of the link's clock.
    public var sampleCount: Int
    /// The position of the first sample on the stream's timeline.
    public var timestamp: MediaTime
    /// Flags such as ``Flags/missing`` or ``Flags/marker``.
    public var flags: Flags

    /// Creates a frame over the first `byteCount` bytes of `storage` (which the caller keeps
    /// alive for as long as the frame is in use — pooled storage is).
    @inlinable
    public init(storage: FrameStorage, byteCount: Int, sampleCount: Int, timestamp: MediaTime,
                flags: Flags = []) {
        self.init(baseAddress: UnsafeRawPointer(storage.bytes), byteCount: byteCount, sampleCount: sampleCount,
                  timestamp: timestamp, flags: flags)
    }

    /// Creates a frame over the first `byteCount` bytes of a pooled buffer.
    @inlinable
    public init(buffer: FrameBuffer, byteCount: Int, sampleCount: Int, timestamp: MediaTime, flags: Flags = []) {
        self.init(baseAddress: UnsafeRawPointer(buffer.bytes), byteCount: byteCount, sampleCount: sampleCount,
                  timestamp: timestamp, flags: flags)
    }

    /// Creates a frame over memory the caller keeps valid while the frame is in use.
    @inlinable
    public init(baseAddress: UnsafeRawPointer, byteCount: Int, sampleCount: Int, timestamp: MediaTime,
                flags: Flags = []) {
        self.baseAddress = baseAddress
        self.byteCount = byteCount
        self.sampleCount = sampleCount
        self.timestamp = timestamp
        self.flags = flags
    }

    /// The frame's bytes.
    @inlinable
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: baseAddress, count: byteCount) }

    /// The frame's data as 16-bit samples (interleaved when multichannel).
    @inlinable
    public var int16: UnsafePointer<Int16> { baseAddress.assumingMemoryBound(to: Int16.self) }

    /// The frame's data as octets.
    @inlinable
    public var uint8: UnsafePointer<UInt8> { baseAddress.assumingMemoryBound(to: UInt8.self) }

    /// The frame's 16-bit samples (interleaved when multichannel).
    @inlinable
    public var int16Samples: UnsafeBufferPointer<Int16> { UnsafeBufferPointer(start: int16, count: byteCount / 2) }

    /// The frame's 32-bit float samples (interleaved when multichannel).
    @inlinable
    public var float32Samples: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: baseAddress.assumingMemoryBound(to: Float.self), count: byteCount / 4)
    }

    /// The media time just after the frame's last sample.
    @inlinable
    public var endTime: MediaTime { timestamp.advanced(by: sampleCount) }

    /// A copy that owns its bytes, for a node that keeps media beyond the current call.
    /// (It allocates: keep it off the per-frame path where you can.)
    public func copy() -> OwnedFrame {
        let storage = FrameStorage(capacity: byteCount)
        storage.bytes.copyMemory(from: baseAddress, byteCount: byteCount)
        return OwnedFrame(storage: storage, byteCount: byteCount, sampleCount: sampleCount,
                          timestamp: timestamp, flags: flags)
    }
}

/// A frame that owns its bytes; made by ``Frame/copy()``.
public struct OwnedFrame: @unchecked Sendable {
    /// The memory holding the bytes (owned).
    public let storage: FrameStorage
    /// The number of valid bytes.
    public var byteCount: Int
    /// The duration in samples per channel.
    public var sampleCount: Int
    /// The position of the first sample.
    public var timestamp: MediaTime
    /// The frame's flags.
    public var flags: Frame.Flags

    /// A borrowed view, valid while this owned frame is alive.
    @inlinable
    public var frame: Frame {
        Frame(storage: storage, byteCount: byteCount, sampleCount: sampleCount, timestamp: timestamp, flags: flags)
    }

    /// Calls `body` with a view of this frame, keeping the bytes alive throughout.
    public func withFrame<T, E: Error>(_ body: (Frame) throws(E) -> T) throws(E) -> T {
        try withExtendedLifetime(storage) { () throws(E) -> T in try body(frame) }
    }
}
