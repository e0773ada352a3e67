/// A block of memory that frames point into. Reused through a ``FramePool``.
///
/// Storage is a class so a frame can be passed down a graph without copying samples; the pool
/// hands a block out again only when nothing else holds it, so a node that keeps a frame
/// (a jitter buffer, say) can never see it overwritten. The bytes are 16-byte aligned.
public final class FrameStorage: @unchecked Sendable {
    /// The capacity in bytes.
    public let capacity: Int
    /// The start of the memory.
    public let bytes: UnsafeMutableRawPointer

    /// Allocates `capacity` bytes (zero-filled).
    public init(capacity: Int) {
        self.capacity = max(capacity, 16)
        bytes = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
        bytes.initializeMemory(as: UInt8.self, repeating: 0, count: self.capacity)
    }

    deinit { bytes.deallocate() }

    /// The memory as 16-bit samples.
    @inlinable
    public var int16: UnsafeMutablePointer<Int16> { bytes.assumingMemoryBound(to: Int16.self) }

    /// The memory as 32-bit float samples.
    @inlinable
    public var float32: UnsafeMutablePointer<Float> { bytes.assumingMemoryBound(to: Float.self) }

    /// The memory as octets.
    @inlinable
    public var uint8: UnsafeMutablePointer<UInt8> { bytes.assumingMemoryBound(to: UInt8.self) }
}
