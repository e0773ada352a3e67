public import SIPCore

/// The registrar's bindings (RFC 3261 §10.3): per address of record, the contacts with their
/// expiry, q-value, and the Call-ID/CSeq that last set them. Time is passed in (seconds), so
/// tests run on virtual time.
///
/// Addresses of record are keys made by the server (`sip:user@domain`, the domain resolved by
/// ``ServedDomains``); ``key(_:)`` makes one from a URI as written.
///
/// Nothing here grows with the work done: lapsed bindings are removed by a ``TimerWheel`` of
/// one-second ticks (one armed entry per address of record, O(1) amortised), the addresses
/// remembered as "known" (480 instead of 404) are forgotten a day after they were last
/// registered, and at ``capacity`` bindings a new one is refused (``update(_:contact:expiresIn:callID:sequence:now:)``
/// returns ``UpdateResult/full``; the registrar answers 503) until some lapse.
public struct LocationService: Sendable {
    /// One contact bound to an address of record.
    public struct Binding: Sendable, Hashable {
        /// The contact as registered (with its parameters).
        public var contact: NameAddress
        /// When the binding lapses (seconds on the service's clock).
        public var expires: Double
        /// Preference, 0…1 (RFC 3261 §20.10); 1 when absent.
        public var q: Double
        /// The REGISTER that last set it (§10.3 step 7: out-of-order refreshes are refused).
        public var callID: String, sequence: UInt32

        /// Creates a binding.
        public init(contact: NameAddress, expires: Double, q: Double, callID: String, sequence: UInt32) {
            self.contact = contact
            self.expires = expires
            self.q = q
            self.callID = callID
            self.sequence = sequence
        }
    }

    /// What an update did.
    public enum UpdateResult: Sendable, Hashable {
        /// Stored (or removed).
        case stored
        /// The same Call-ID already set it with a higher or equal CSeq (§10.3 step 7).
        case outOfOrder
        /// The table holds ``capacity`` bindings.
        case full
    }

    private var bindings: [String: [Binding]] = [:]
    private var known: ExpiringSet<String>
    private var wheel: TimerWheel<String>
    private var armedAt: [String: Double] = [:]
    /// The most bindings held at once.
    public let capacity: Int
    /// Bindings held.
    public private(set) var count = 0

    /// Creates an empty location service holding at most `capacity` bindings.
    public init(capacity: Int = 1_000_000, now: Double = 0) {
        self.capacity = capacity
        known = ExpiringSet(lifetime: 86_400, capacity: capacity)
        wheel = TimerWheel(tickNanos: 1_000_000_000, slotCount: 8_192, startNanos: Int64(now * 1e9))
    }

    /// The comparison key of an address of record as written (§10.3 step 5, §19.1.4): scheme,
    /// user (case-sensitive) and host (case-insensitive), port only when not the default; no
    /// parameters. The server uses ``key(scheme:user:domain:)`` for its own domains.
    public static func key(_ uri: SIPURI) -> String {
        let port = uri.port.map { $0 == (uri.scheme == .sips ? 5061 : 5060) ? "" : ":\($0)" } ?? ""
        return key(scheme: uri.scheme, user: uri.user, domain: ServedDomains.normalize(uri.host) + port)
    }

    /// The key of `user` in a hosted `domain`.
    public static func key(scheme: SIPURI.Scheme, user: String?, domain: String) -> String {
        "\(scheme == .sips ? "sips" : "sip"):\(user ?? "")@\(domain)"
    }

    /// The live bindings of `aor` at `now`, best q first.
    public mutating func lookup(_ aor: String, now: Double) -> [Binding] {
        expire(now: now)
        guard let list = bindings[aor] else { return [] }
        return list.count == 1 ? list.filter { $0.expires > now } : list.filter { $0.expires > now }.sorted { $0.q > $1.q }
    }

    /// ``lookup(_:now:)`` by a URI as written.
    public mutating func lookup(_ aor: SIPURI, now: Double) -> [Binding] { lookup(Self.key(aor), now: now) }

    /// Adds, refreshes or (expires 0) removes one contact of `aor`.
    public mutating func update(_ aor: String, contact: NameAddress, expiresIn: Int, callID: String, sequence: UInt32,
                                now: Double) -> UpdateResult {
        expire(now: now)
        var list = bindings[aor] ?? []
        let before = list.count
        list.removeAll { $0.expires <= now }
        if let index = list.firstIndex(where: { $0.contact.uri.matches(contact.uri) }) {
            if list[index].callID == callID && list[index].sequence >= sequence { return .outOfOrder }
            list.remove(at: index)
        }
        if expiresIn > 0 {
            if count - before + list.count >= capacity { return .full }
            var stored = contact
            stored.parameters["expires"] = nil
            let q = contact.parameters["q"].flatMap(Double.init).map { min(max($0, 0), 1) } ?? 1
            list.append(Binding(contact: stored, expires: now + Double(expiresIn), q: q, callID: callID, sequence: sequence))
            known.insert(aor, now: now)
        }
        set(aor, list, before: before)
        return .stored
    }

    /// ``update(_:contact:expiresIn:callID:sequence:now:)`` by a URI as written; true when stored.
    public mutating func update(_ aor: SIPURI, contact: NameAddress, expiresIn: Int, callID: String, sequence: UInt32,
                                now: Double) -> Bool {
        update(Self.key(aor), contact: contact, expiresIn: expiresIn, callID: callID, sequence: sequence, now: now) == .stored
    }

    /// Removes every contact of `aor` (`Contact: *`, `Expires: 0`).
    public mutating func removeAll(_ aor: String) {
        set(aor, [], before: bindings[aor]?.count ?? 0)
    }

    /// ``removeAll(_:)`` by a URI as written.
    public mutating func removeAll(_ aor: SIPURI) { removeAll(Self.key(aor)) }

    /// Expiry entries touched so far (the wheel's work units, for tests of the cost per request).
    public var expiryWork: Int { wheel.visited }

    /// Whether `aor` registered within the last day.
    public mutating func isKnown(_ aor: String, now: Double) -> Bool { known.contains(aor, now: now) }

    /// ``isKnown(_:now:)`` by a URI as written.
    public mutating func isKnown(_ aor: SIPURI, now: Double = 0) -> Bool { isKnown(Self.key(aor), now: now) }

    /// Every live binding (for persistence).
    public func all(now: Double) -> [(aor: String, binding: Binding)] {
        bindings.flatMap { key, list in list.filter { $0.expires > now }.map { (key, $0) } }
    }

    /// Replaces the bindings of `aor` with ones read back from storage (a shared database
    /// another server wrote).
    public mutating func replace(_ aor: String, with list: [Binding], now: Double) {
        expire(now: now)
        let live = Array(list.filter { $0.expires > now }.prefix(max(0, capacity - count + (bindings[aor]?.count ?? 0))))
        if !live.isEmpty { known.insert(aor, now: now) }
        set(aor, live, before: bindings[aor]?.count ?? 0)
    }

    /// Restores a binding read back from storage.
    public mutating func restore(aorKey: String, binding: Binding, now: Double = 0) {
        guard count < capacity else { return }
        let before = bindings[aorKey]?.count ?? 0
        set(aorKey, (bindings[aorKey] ?? []) + [binding], before: before)
        known.insert(aorKey, now: now)
    }

    private mutating func set(_ aor: String, _ list: [Binding], before: Int) {
        count += list.count - before
        bindings[aor] = list.isEmpty ? nil : list
        guard let earliest = list.map(\.expires).min() else { return }
        if let armed = armedAt[aor], armed <= earliest { return }
        armedAt[aor] = earliest
        wheel.schedule(aor, atNanos: Int64(earliest * 1e9))
    }

    /// Removes the bindings that lapsed by `now` (the wheel says which addresses to look at).
    private mutating func expire(now: Double) {
        for due in wheel.advance(toNanos: Int64(now * 1e9)) where wheel.take(due) {
            let aor = due.key
            armedAt[aor] = nil
            let list = bindings[aor] ?? []
            set(aor, list.filter { $0.expires > now }, before: list.count)
        }
    }
}
