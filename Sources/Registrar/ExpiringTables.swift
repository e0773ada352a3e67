import NIOCore

/// Keys that each live for the same fixed time (bans, known addresses of record): a FIFO beside a
/// hash map, so expiry pops from the front — O(1) amortised: a key holds one place in the queue,
/// and a renewal costs at most one re-queueing when that place comes up.
///
/// Bounded: at `capacity` keys the oldest is dropped early to make room (for a ban list, the
/// oldest ban ends early) and ``evicted`` counts it.
struct ExpiringSet<Key: Hashable & Sendable>: Sendable {
    private var expiry: [Key: Double] = [:]
    private var order = CircularBuffer<(key: Key, until: Double)>()
    /// How long a key lives.
    let lifetime: Double
    /// The most keys held.
    let capacity: Int
    /// Keys dropped before their time because the set was full.
    private(set) var evicted = 0

    init(lifetime: Double, capacity: Int) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// Keys held (some may be due and not yet popped).
    var count: Int { expiry.count }

    /// Adds (or renews) `key` at `now`. A key has one place in the queue: a renewed key whose
    /// old place comes up is queued again with its new time instead of expiring.
    mutating func insert(_ key: Key, now: Double) {
        expire(now: now)
        if let held = expiry[key] {
            expiry[key] = max(held, now + lifetime)
            return
        }
        if expiry.count >= capacity, let oldest = order.popFirst() {
            expiry[oldest.key] = nil
            evicted += 1
        }
        expiry[key] = now + lifetime
        order.append((key, now + lifetime))
    }

    /// Whether `key` is held at `now`.
    mutating func contains(_ key: Key, now: Double) -> Bool {
        expire(now: now)
        return expiry[key].map { $0 > now } ?? false
    }

    private mutating func expire(now: Double) {
        while let first = order.first, first.until <= now {
            order.removeFirst()
            guard let until = expiry[first.key] else { continue }
            if until <= now {
                expiry[first.key] = nil
            } else {
                order.append((first.key, until))
            }
        }
    }
}

/// Counts per key over a sliding window made of two generations (the current window and the one
/// before): when a window ends the older generation is dropped whole — a generation sweep,
/// O(1) amortised per count. A key's count is its current count plus the previous window's
/// weighted by how much of it still overlaps the sliding window.
///
/// Bounded: when the current generation reaches `capacity` keys, the window is closed early
/// (the oldest counts are forgotten), so memory stays under two generations of `capacity`.
struct WindowCounter<Key: Hashable & Sendable>: Sendable {
    private var current: [Key: Int] = [:]
    private var previous: [Key: Int] = [:]
    private var windowStart: Double
    /// The window's length in seconds.
    let window: Double
    /// The most keys counted per generation.
    let capacity: Int

    init(window: Double, capacity: Int, now: Double = 0) {
        self.window = window
        self.capacity = capacity
        windowStart = now
    }

    /// Adds one to `key` at `now` and returns its count over the sliding window.
    mutating func add(_ key: Key, now: Double) -> Int {
        rotate(now: now)
        if current[key] == nil && current.count >= capacity {
            previous = current
            current = [:]
            windowStart = now
        }
        current[key, default: 0] += 1
        return count(key, now: now)
    }

    /// `key`'s count over the sliding window at `now`.
    func count(_ key: Key, now: Double) -> Int {
        let overlap = max(0, 1 - (now - windowStart) / window)
        return (current[key] ?? 0) + Int((Double(previous[key] ?? 0) * overlap).rounded(.up))
    }

    /// Keys counted (both generations).
    var count: Int { current.count + previous.count }

    private mutating func rotate(now: Double) {
        guard now - windowStart >= window else { return }
        if now - windowStart >= 2 * window {
            previous = [:]
        } else {
            previous = current
        }
        current = [:]
        windowStart = now - (now - windowStart).truncatingRemainder(dividingBy: window)
    }
}
