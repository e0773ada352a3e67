/// An RFC 4733 telephone-event payload (§2.3): one named event, 4 bytes.
///
/// ```
/// |     event     |E|R| volume    |          duration             |
/// ```
public struct TelephoneEvent: Sendable, Hashable {
    /// The event code: 0–9, 10 (*), 11 (#), 12–15 (A–D), 16 (flash).
    public var event: UInt8
    /// The E bit: this packet ends the event.
    public var isEnd: Bool
    /// The power level in −dBm0 (0–63); 10 is a typical DTMF level.
    public var volume: UInt8
    /// The duration so far, in timestamp units.
    public var duration: UInt16

    /// Creates an event payload.
    public init(event: UInt8, isEnd: Bool = false, volume: UInt8 = 10, duration: UInt16) {
        self.event = event
        self.isEnd = isEnd
        self.volume = volume
        self.duration = duration
    }

    /// Reads the first event of a payload (RFC 4733 §2.6 redundancy blocks are not used by DTMF
    /// senders; a longer payload is read as its first 4 bytes).
    public init?(payload: UnsafeRawBufferPointer) {
        guard payload.count >= 4 else { return nil }
        event = payload[0]
        isEnd = payload[1] & 0x80 != 0
        volume = payload[1] & 0x3F
        duration = UInt16(payload[2]) << 8 | UInt16(payload[3])
    }

    /// Reads the first event of a payload.
    public init?(payload: [UInt8]) {
        guard let event = payload.withUnsafeBytes({ TelephoneEvent(payload: $0) }) else { return nil }
        self = event
    }

    /// The 4 payload bytes.
    public var bytes: [UInt8] {
        [event, (isEnd ? 0x80 : 0) | (volume & 0x3F), UInt8(duration >> 8), UInt8(duration & 0xFF)]
    }

    /// The DTMF key for the event code (`0`–`9`, `*`, `#`, `A`–`D`), or `nil` for other events.
    public var key: Character? { TelephoneEvent.keys.indices.contains(Int(event)) ? TelephoneEvent.keys[Int(event)] : nil }

    /// The event code of a DTMF key.
    public static func code(for key: Character) -> UInt8? {
        keys.firstIndex(of: Character(key.uppercased())).map(UInt8.init)
    }

    static let keys: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#", "A", "B", "C", "D"]
}

/// Turns a stream of RFC 4733 packets into events, each reported exactly once.
///
/// Relies on what survives loss: an event is identified by its RTP timestamp (the same in every
/// packet of the event, §2.5.1.3), not by the marker bit (which travels in one packet) nor by
/// the end packets (three copies, all of which may be lost). An event is complete when an end
/// packet arrives, when a packet of a newer event arrives, or when ``flush()`` is called.
public struct TelephoneEventReceiver: Sendable {
    /// An event heard on the stream.
    public struct Detected: Sendable, Hashable {
        /// The event code.
        public var event: UInt8
        /// The RTP timestamp of its start.
        public var timestamp: UInt32
        /// Its duration in timestamp units, as far as it was heard.
        public var duration: UInt16
        /// Whether an end packet was received.
        public var ended: Bool
    }

    private var current: Detected?
    private var finishedTimestamps: [UInt32] = []

    /// Starts with no event in progress.
    public init() {}

    /// Notes one packet; returns the events it completes (oldest first).
    public mutating func receive(_ payload: TelephoneEvent, timestamp: UInt32) -> [Detected] {
        var completed: [Detected] = []
        if var active = current, active.timestamp == timestamp, active.event == payload.event {
            active.duration = max(active.duration, payload.duration)
            if payload.isEnd {
                active.ended = true
                completed.append(active)
                remember(timestamp)
                current = nil
            } else {
                current = active
            }
            return completed
        }
        // A packet of an event already reported (a late or repeated end packet): ignore it.
        if finishedTimestamps.contains(timestamp) { return completed }
        // A newer event: the one in progress is over even though its end packets were lost.
        if let active = current, Self.isNewer(timestamp, than: active.timestamp) || active.event != payload.event {
            completed.append(active)
            remember(active.timestamp)
            current = nil
        } else if let active = current, !Self.isNewer(timestamp, than: active.timestamp) {
            return completed   // an older event's straggler
        }
        let started = Detected(event: payload.event, timestamp: timestamp, duration: payload.duration, ended: payload.isEnd)
        if payload.isEnd {
            completed.append(started)
            remember(timestamp)
        } else {
            current = started
        }
        return completed
    }

    /// Completes the event in progress (the stream ended, or no packet came for a long time).
    public mutating func flush() -> Detected? {
        defer { current = nil }
        if let active = current { remember(active.timestamp) }
        return current
    }

    private mutating func remember(_ timestamp: UInt32) {
        finishedTimestamps.append(timestamp)
        if finishedTimestamps.count > 16 { finishedTimestamps.removeFirst() }
    }

    static func isNewer(_ a: UInt32, than b: UInt32) -> Bool { a != b && a &- b < 0x8000_0000 }
}
