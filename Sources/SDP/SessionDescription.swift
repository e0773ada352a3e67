/// A session description (RFC 8866): what a party offers or accepts for a session's media.
///
/// Every field RFC 8866 §5 defines is kept, in order, so a parsed description serializes back to
/// the same lines (with CRLF endings). Attributes a party does not understand are kept too: an
/// answer never loses what it did not look at.
public struct SessionDescription: Sendable, Hashable {
    /// `o=`: the session's originator and version.
    public var origin: Origin
    /// `s=`: the session name (`-` or a space when there is none).
    public var sessionName: String
    /// `i=`: session information.
    public var information: String?
    /// `u=`: a URI with more information.
    public var uri: String?
    /// `e=` lines.
    public var emails: [String] = []
    /// `p=` lines.
    public var phones: [String] = []
    /// `c=` at session level: the default for media without their own.
    public var connection: Connection?
    /// `b=` lines at session level.
    public var bandwidths: [Bandwidth] = []
    /// `t=` lines, each with its `r=` lines.
    public var timing: [Timing] = [Timing()]
    /// `z=`: time-zone adjustments, verbatim.
    public var timeZones: String?
    /// `k=`: an encryption key (obsolete; kept verbatim).
    public var key: String?
    /// `a=` lines at session level.
    public var attributes: [Attribute] = []
    /// `m=` sections, in order.
    public var media: [MediaDescription] = []

    /// Creates a description.
    public init(origin: Origin, sessionName: String = "-", connection: Connection? = nil,
                attributes: [Attribute] = [], media: [MediaDescription] = []) {
        self.origin = origin
        self.sessionName = sessionName
        self.connection = connection
        self.attributes = attributes
        self.media = media
    }
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2).
public struct Origin: Sendable, Hashable {
    /// The originator's login (`-` when none).
    public var username: String
    /// A numeric session identifier, kept as written (it may exceed 64 bits).
    public var sessionID: String
    /// The version, incremented on each change (RFC 3264 §8).
    public var sessionVersion: UInt64
    /// The network type (`IN`).
    public var networkType: String
    /// The address type (`IP4`, `IP6`).
    public var addressType: String
    /// The originator's address or host name.
    public var address: String

    /// Creates an origin.
    public init(username: String = "-", sessionID: String, sessionVersion: UInt64, networkType: String = "IN",
                addressType: String, address: String) {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }
}

/// `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7).
public struct Connection: Sendable, Hashable {
    /// The network type (`IN`).
    public var networkType: String
    /// The address type (`IP4`, `IP6`).
    public var addressType: String
    /// The address, with any `/ttl/count` suffix as written.
    public var address: String

    /// Creates a connection line.
    public init(networkType: String = "IN", addressType: String, address: String) {
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// A connection for an IP address literal: IP6 when it contains a colon.
    public init(address: String) {
        self.init(addressType: address.contains(":") ? "IP6" : "IP4", address: address)
    }

    /// Whether this is the RFC 2543 hold address `0.0.0.0` (still sent by old equipment).
    public var isNullAddress: Bool { address == "0.0.0.0" || address == "::" }
}

/// `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8).
public struct Bandwidth: Sendable, Hashable {
    /// The modifier (`AS`, `CT`, `TIAS`, `RS`, `RR`).
    public var type: String
    /// The value (kbit/s for AS and CT).
    public var value: UInt64

    /// Creates a bandwidth line.
    public init(type: String, value: UInt64) {
        self.type = type
        self.value = value
    }
}

/// `t=<start-time> <stop-time>` and its `r=` lines (RFC 8866 §5.9, §5.10).
public struct Timing: Sendable, Hashable {
    /// Start and stop, as NTP seconds; `0 0` is an unbounded session.
    public var start: UInt64 = 0, stop: UInt64 = 0
    /// `r=` lines, verbatim.
    public var repeats: [String] = []

    /// Creates a timing line (unbounded by default).
    public init(start: UInt64 = 0, stop: UInt64 = 0, repeats: [String] = []) {
        self.start = start
        self.stop = stop
        self.repeats = repeats
    }
}

/// `a=<name>[:<value>]` (RFC 8866 §5.13).
public struct Attribute: Sendable, Hashable {
    /// The attribute name (`rtpmap`, `sendrecv`, …).
    public var name: String
    /// The value after the colon, or `nil` for a property attribute.
    public var value: String?

    /// Creates an attribute.
    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }
}

extension [Attribute] {
    /// The value of the first attribute named `name` (`""` for a property attribute).
    public func first(_ name: String) -> String? {
        first { $0.name.lowercased() == name }.map { $0.value ?? "" }
    }

    /// The values of every attribute named `name`.
    public func all(_ name: String) -> [String] {
        filter { $0.name.lowercased() == name }.map { $0.value ?? "" }
    }
}
