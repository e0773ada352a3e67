/// A small ring of ``FrameStorage`` blocks owned by one node, so that steady-state processing
/// allocates nothing.
///
/// `acquire()` returns a block that no frame references any more. When every block is still
/// held downstream (a node kept a frame), the pool grows by one block instead of overwriting it:
/// correctness first, and the allocation shows up in the benchmarks' malloc counts.
///
/// A pool is confined to its node (and so to the graph's executor); it is not thread-safe.
public struct FramePool {
    private var blocks: [FrameStorage]
    private var next = 0
    /// The size of each block in bytes.
    public private(set) var blockCapacity: Int

    /// Creates a pool of `count` blocks of `byteCapacity` bytes each.
    public init(byteCapacity: Int, count: Int = 3) {
        blockCapacity = max(byteCapacity, 16)
        blocks = (0..<max(count, 1)).map { _ in FrameStorage(capacity: max(byteCapacity, 16)) }
    }

    /// The number of blocks the pool owns (grows only when frames are retained downstream).
    public var blockCount: Int { blocks.count }

    /// Returns a block of at least `byteCount` bytes that no frame references. When frames grow
    /// past the blocks' size (a longer ptime, a bigger file chunk) the pool is rebuilt once.
    public mutating func acquire(minimumCapacity byteCount: Int) -> FrameStorage {
        if byteCount > blockCapacity { self = FramePool(byteCapacity: byteCount, count: blocks.count) }
        return acquire()
    }

    /// Returns a block that is not referenced by any frame.
    public mutating func acquire() -> FrameStorage {
        for _ in 0..<blocks.count {
            let index = next
            next = next + 1 == blocks.count ? 0 : next + 1
            if isKnownUniquelyReferenced(&blocks[index]) { return blocks[index] }
        }
        let block = FrameStorage(capacity: blockCapacity)
        blocks.append(block)
        return block
    }
}
