/// Writable memory for one frame, handed out by a ``FramePool``.
public struct FrameBuffer {
    /// The start of the block (16-byte aligned).
    public let bytes: UnsafeMutableRawPointer
    /// The block's size in bytes.
    public let capacity: Int

    /// The block as 16-bit samples.
    @inlinable
    public var int16: UnsafeMutablePointer<Int16> { bytes.assumingMemoryBound(to: Int16.self) }
    /// The block as 32-bit float samples.
    @inlinable
    public var float32: UnsafeMutablePointer<Float> { bytes.assumingMemoryBound(to: Float.self) }
    /// The block as octets.
    @inlinable
    public var uint8: UnsafeMutablePointer<UInt8> { bytes.assumingMemoryBound(to: UInt8.self) }

    @inlinable
    init(bytes: UnsafeMutableRawPointer, capacity: Int) {
        self.bytes = bytes
        self.capacity = capacity
    }
}

/// A small ring of memory blocks owned by one node, so that steady-state processing allocates
/// nothing and counts no references.
///
/// Blocks are handed out round-robin. A ``Frame`` built on a block is a borrowed view, valid for
/// the duration of the push that carries it; pushes are synchronous, so by the time a node asks
/// for its next block every consumer of the previous one has returned. (A node that keeps media
/// takes a ``Frame/copy()``.) Several blocks in the ring cover nodes that emit more than one
/// frame per input, and nested pushes.
///
/// ```
/// let out = pool.acquire(minimumCapacity: count * 2)
/// encode(frame.int16, into: out.int16, count: count)
/// return try context.push(Frame(buffer: out, byteCount: count * 2, sampleCount: count, timestamp: frame.timestamp))
/// ```
///
/// Hold a pool in a `let` property. A pool is confined to its node (and so to the graph's
/// executor); it is not thread-safe.
public final class FramePool {
    @usableFromInline let blocks: UnsafeMutablePointer<UnsafeMutableRawPointer>
    /// The block count less one; the count is a power of two, so the cursor wraps with a mask.
    @usableFromInline let mask: Int
    // The cursor and capacity are only touched by the owning node on the graph's executor, never
    // re-entrantly, so the per-access exclusivity check (a runtime call) is switched off.
    @exclusivity(unchecked) @usableFromInline var next = 0
    @exclusivity(unchecked) @usableFromInline var capacity: Int

    /// Creates a pool of `count` blocks (rounded up to a power of two) of `byteCapacity` bytes each.
    public init(byteCapacity: Int, count: Int = 4) {
        capacity = max(byteCapacity, 16)
        var blocks = 1
        while blocks < count { blocks *= 2 }
        mask = blocks - 1
        self.blocks = .allocate(capacity: blocks)
        for i in 0..<blocks { (self.blocks + i).initialize(to: Self.allocateBlock(capacity)) }
    }

    deinit {
        for i in 0..<blockCount { blocks[i].deallocate() }
        blocks.deallocate()
    }

    /// The number of blocks in the ring.
    public var blockCount: Int { mask + 1 }

    /// The size of each block in bytes.
    public var blockCapacity: Int { capacity }

    /// Returns the next block, at least `byteCount` bytes long. When frames grow past the blocks'
    /// size (a longer ptime, a bigger file chunk) the blocks are replaced once.
    @inlinable @inline(__always)
    public func acquire(minimumCapacity byteCount: Int) -> FrameBuffer {
        if byteCount > capacity { resize(to: byteCount) }
        return acquire()
    }

    /// Returns the next block.
    @inlinable @inline(__always)
    public func acquire() -> FrameBuffer {
        let index = next
        next = (index &+ 1) & mask
        return FrameBuffer(bytes: blocks[index], capacity: capacity)
    }

    @usableFromInline
    func resize(to byteCount: Int) {
        capacity = byteCount
        for i in 0..<blockCount {
            blocks[i].deallocate()
            blocks[i] = Self.allocateBlock(byteCount)
        }
    }

    static func allocateBlock(_ capacity: Int) -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        block.initializeMemory(as: UInt8.self, repeating: 0, count: capacity)
        return block
    }
}
