import CCAres
#if canImport(Glibc)
import Glibc
#endif

/// A NAPTR record (RFC 3403) as RFC 3263 uses it.
public struct NAPTRRecord: Sendable, Hashable {
    public var order: Int, preference: Int
    public var flags: String, service: String, replacement: String
}

/// An SRV record (RFC 2782).
public struct SRVRecord: Sendable, Hashable {
    public var priority: Int, weight: Int, port: Int
    public var target: String

    /// Creates a record.
    public init(priority: Int, weight: Int, port: Int, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

/// The DNS queries RFC 3263 needs. ``CAresLookup`` asks a real server; tests may substitute.
public protocol DNSLookup: Sendable {
    /// NAPTR records of `name` (empty when there are none).
    func naptr(_ name: String) throws(DNSError) -> [NAPTRRecord]
    /// SRV records of `name` (empty when there are none).
    func srv(_ name: String) throws(DNSError) -> [SRVRecord]
    /// IPv4 and IPv6 addresses of `host`, with their TTL in seconds.
    func addresses(_ host: String) throws(DNSError) -> [(address: String, ttl: Int)]
}

/// A DNS failure other than "no such record".
public struct DNSError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// DNS through c-ares (Debian libc-ares-dev): a maintained resolver with NAPTR and SRV parsing.
public struct CAresLookup: DNSLookup {
    /// The servers to ask (`127.0.0.1:5353`), or nil for the system's (`/etc/resolv.conf`).
    public var servers: String?
    /// How long one query may take, in milliseconds.
    public var timeout: Int

    /// Creates a lookup against `servers`.
    public init(servers: String?, timeout: Int = 3_000) {
        self.servers = servers
        self.timeout = timeout
    }

    private func query(_ name: String, type: Int32) throws(DNSError) -> [UInt8]? {
        var answer: UnsafeMutablePointer<UInt8>?
        var length: Int32 = 0
        let status = callwire_dns_query(servers, name, type, Int32(timeout), &answer, &length)
        defer { free(answer) }
        switch status {
        case ARES_SUCCESS:
            guard let answer else { return nil }
            return Array(UnsafeBufferPointer(start: answer, count: Int(length)))
        case ARES_ENODATA, ARES_ENOTFOUND:
            return nil
        default:
            throw DNSError("DNS query for \(name) failed: \(String(cString: callwire_dns_error(status)))"
                           + (servers.map { " (server \($0))" } ?? ""))
        }
    }

    public func naptr(_ name: String) throws(DNSError) -> [NAPTRRecord] {
        guard let answer = try query(name, type: 35) else { return [] }
        var reply: UnsafeMutablePointer<ares_naptr_reply>?
        guard ares_parse_naptr_reply(answer, Int32(answer.count), &reply) == ARES_SUCCESS else { return [] }
        defer { ares_free_data(reply) }
        var records: [NAPTRRecord] = []
        var node = reply
        while let record = node?.pointee {
            records.append(NAPTRRecord(order: Int(record.order), preference: Int(record.preference),
                                       flags: record.flags.map { String(cString: $0) } ?? "",
                                       service: record.service.map { String(cString: $0) } ?? "",
                                       replacement: record.replacement.map { String(cString: $0) } ?? ""))
            node = record.next
        }
        return records
    }

    public func srv(_ name: String) throws(DNSError) -> [SRVRecord] {
        guard let answer = try query(name, type: 33) else { return [] }
        var reply: UnsafeMutablePointer<ares_srv_reply>?
        guard ares_parse_srv_reply(answer, Int32(answer.count), &reply) == ARES_SUCCESS else { return [] }
        defer { ares_free_data(reply) }
        var records: [SRVRecord] = []
        var node = reply
        while let record = node?.pointee {
            records.append(SRVRecord(priority: Int(record.priority), weight: Int(record.weight), port: Int(record.port),
                                     target: record.host.map { String(cString: $0) } ?? ""))
            node = record.next
        }
        return records
    }

    static func string(_ text: [CChar]) -> String {
        String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func addresses(_ host: String) throws(DNSError) -> [(address: String, ttl: Int)] {
        var result: [(String, Int)] = []
        if let answer = try query(host, type: 1) {
            var ttls = [ares_addrttl](repeating: ares_addrttl(), count: 16)
            var count: Int32 = 16
            if ares_parse_a_reply(answer, Int32(answer.count), nil, &ttls, &count) == ARES_SUCCESS {
                for entry in ttls.prefix(Int(count)) {
                    var address = entry.ipaddr
                    var text = [CChar](repeating: 0, count: 64)
                    inet_ntop(AF_INET, &address, &text, 64)
                    result.append((Self.string(text), Int(entry.ttl)))
                }
            }
        }
        // Servers that know only a host's IPv4 address answer AAAA badly (dnsmasq with no
        // upstream answers SERVFAIL); an A answer is enough.
        let aaaa: [UInt8]?
        do {
            aaaa = try query(host, type: 28)
        } catch {
            if result.isEmpty { throw error }
            aaaa = nil
        }
        if let answer = aaaa {
            var ttls = [ares_addr6ttl](repeating: ares_addr6ttl(), count: 16)
            var count: Int32 = 16
            if ares_parse_aaaa_reply(answer, Int32(answer.count), nil, &ttls, &count) == ARES_SUCCESS {
                for entry in ttls.prefix(Int(count)) {
                    var address = entry.ip6addr
                    var text = [CChar](repeating: 0, count: 64)
                    inet_ntop(AF_INET6, &address, &text, 64)
                    result.append((Self.string(text), Int(entry.ttl)))
                }
            }
        }
        return result
    }
}
