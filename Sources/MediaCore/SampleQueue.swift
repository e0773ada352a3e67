/// A fixed-capacity FIFO of 16-bit samples, for nodes that regroup input into frames of their
/// own size (a 20 ms codec frame, an echo canceller block) or line up several inputs (a mixer).
///
/// Allocates once; never during `write`/`read`. When full, the oldest samples are dropped and
/// counted in ``dropped``. Confined to its node, like a ``FramePool``.
public struct SampleQueue {
    private let storage: UnsafeMutablePointer<Int16>
    private let owner: Storage
    /// Maximum samples held.
    public let capacity: Int
    private var head = 0
    /// Samples held.
    public private(set) var count = 0
    /// Samples dropped because the queue was full.
    public private(set) var dropped = 0

    private final class Storage {
        let pointer: UnsafeMutablePointer<Int16>
        init(_ capacity: Int) {
            pointer = .allocate(capacity: capacity)
            pointer.initialize(repeating: 0, count: capacity)
        }
        deinit { pointer.deallocate() }
    }

    /// Creates a queue holding up to `capacity` samples.
    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
        owner = Storage(self.capacity)
        storage = owner.pointer
    }

    /// Appends samples, dropping the oldest when full.
    public mutating func write(_ samples: UnsafePointer<Int16>, count n: Int) {
        var source = samples, remaining = n
        if remaining > capacity {
            dropped += remaining - capacity
            source += remaining - capacity
            remaining = capacity
        }
        let overflow = count + remaining - capacity
        if overflow > 0 {
            head = (head + overflow) % capacity
            count -= overflow
            dropped += overflow
        }
        var tail = (head + count) % capacity
        while remaining > 0 {
            let chunk = min(remaining, capacity - tail)
            (storage + tail).update(from: source, count: chunk)
            source += chunk
            remaining -= chunk
            count += chunk
            tail = (tail + chunk) % capacity
        }
    }

    /// Appends silence.
    public mutating func writeSilence(count n: Int) {
        var remaining = min(n, capacity)
        while remaining > 0 {
            let tail = (head + count) % capacity
            let chunk = min(remaining, capacity - tail, capacity - count)
            if chunk <= 0 { break }
            (storage + tail).update(repeating: 0, count: chunk)
            count += chunk
            remaining -= chunk
        }
    }

    /// Moves up to `n` samples into `destination`; returns how many.
    @discardableResult
    public mutating func read(into destination: UnsafeMutablePointer<Int16>, count n: Int) -> Int {
        let total = min(n, count)
        var done = 0
        while done < total {
            let chunk = min(total - done, capacity - head)
            (destination + done).update(from: storage + head, count: chunk)
            head = (head + chunk) % capacity
            done += chunk
        }
        count -= total
        return total
    }

    /// Copies up to `n` samples into `destination` without consuming them; returns how many.
    @discardableResult
    public func peek(into destination: UnsafeMutablePointer<Int16>, count n: Int) -> Int {
        let total = min(n, count)
        var done = 0, position = head
        while done < total {
            let chunk = min(total - done, capacity - position)
            (destination + done).update(from: storage + position, count: chunk)
            position = (position + chunk) % capacity
            done += chunk
        }
        return total
    }

    /// Drops up to `n` samples from the front.
    public mutating func skip(_ n: Int) {
        let total = min(n, count)
        head = (head + total) % capacity
        count -= total
    }

    /// Adds up to `n` samples into 32-bit accumulators (consuming them); missing ones count as 0.
    /// - Returns: how many were added.
    @discardableResult
    public mutating func add(into mix: UnsafeMutablePointer<Int32>, count n: Int) -> Int {
        let total = min(n, count)
        for i in 0..<total { mix[i] &+= Int32(storage[(head + i) % capacity]) }
        head = (head + total) % capacity
        count -= total
        return total
    }

    /// Discards everything.
    public mutating func removeAll() {
        head = 0
        count = 0
    }
}
