public import SIPCore

/// The registrar's bindings (RFC 3261 §10.3): per address of record, the contacts with their
/// expiry, q-value, and the Call-ID/CSeq that last set them. Time is passed in (seconds), so
/// tests run on virtual time.
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
    }

    private var bindings: [String: [Binding]] = [:]
    /// Addresses of record that have ever registered: unknown ones get 404, known ones with no
    /// current binding 480.
    public private(set) var known: Set<String> = []

    /// Creates an empty location service.
    public init() {}

    /// The comparison key of an address of record (§10.3 step 5, §19.1.4): scheme, user
    /// (case-sensitive) and host (case-insensitive), port only when not the default; no parameters.
    public static func key(_ uri: SIPURI) -> String {
        let scheme = uri.scheme == .sips ? "sips" : "sip"
        let port = uri.port.map { $0 == (uri.scheme == .sips ? 5061 : 5060) ? "" : ":\($0)" } ?? ""
        return "\(scheme):\(uri.user ?? "")@\(uri.host.lowercased())\(port)"
    }

    /// The live bindings of `aor` at `now`, best q first.
    public func lookup(_ aor: SIPURI, now: Double) -> [Binding] {
        (bindings[Self.key(aor)] ?? []).filter { $0.expires > now }.sorted { $0.q > $1.q }
    }

    /// Adds, refreshes or (expires 0) removes one contact of `aor`.
    /// - Returns: false when the same Call-ID already set it with a higher or equal CSeq.
    public mutating func update(_ aor: SIPURI, contact: NameAddress, expiresIn: Int, callID: String, sequence: UInt32,
                                now: Double) -> Bool {
        let key = Self.key(aor)
        var list = (bindings[key] ?? []).filter { $0.expires > now }
        if let index = list.firstIndex(where: { $0.contact.uri.matches(contact.uri) }) {
            if list[index].callID == callID && list[index].sequence >= sequence { return false }
            list.remove(at: index)
        }
        if expiresIn > 0 {
            var stored = contact
            stored.parameters["expires"] = nil
            let q = contact.parameters["q"].flatMap(Double.init).map { min(max($0, 0), 1) } ?? 1
            list.append(Binding(contact: stored, expires: now + Double(expiresIn), q: q, callID: callID, sequence: sequence))
            known.insert(key)
        }
        bindings[key] = list.isEmpty ? nil : list
        return true
    }

    /// Removes every contact of `aor` (`Contact: *`, `Expires: 0`).
    public mutating func removeAll(_ aor: SIPURI) {
        bindings[Self.key(aor)] = nil
    }

    /// Whether `aor` ever registered.
    public func isKnown(_ aor: SIPURI) -> Bool { known.contains(Self.key(aor)) }

    /// Every live binding (for persistence).
    public func all(now: Double) -> [(aor: String, binding: Binding)] {
        bindings.flatMap { key, list in list.filter { $0.expires > now }.map { (key, $0) } }
    }

    /// Restores a binding read back from storage.
    public mutating func restore(aorKey: String, binding: Binding) {
        bindings[aorKey, default: []].append(binding)
        known.insert(aorKey)
    }
}
