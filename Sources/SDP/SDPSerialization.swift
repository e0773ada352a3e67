extension SessionDescription {
    /// The description as text, in RFC 8866 §5 order, each line ending in CRLF.
    public var text: String {
        var out = "v=0\r\n"
        let o = origin
        out += "o=\(o.username) \(o.sessionID) \(o.sessionVersion) \(o.networkType) \(o.addressType) \(o.address)\r\n"
        out += "s=\(sessionName)\r\n"
        if let information { out += "i=\(information)\r\n" }
        if let uri { out += "u=\(uri)\r\n" }
        for email in emails { out += "e=\(email)\r\n" }
        for phone in phones { out += "p=\(phone)\r\n" }
        if let connection { out += connection.line }
        for bandwidth in bandwidths { out += bandwidth.line }
        for t in timing {
            out += "t=\(t.start) \(t.stop)\r\n"
            for r in t.repeats { out += "r=\(r)\r\n" }
        }
        if let timeZones { out += "z=\(timeZones)\r\n" }
        if let key { out += "k=\(key)\r\n" }
        for attribute in attributes { out += attribute.line }
        for m in media {
            let port = m.portCount.map { "\(m.port)/\($0)" } ?? "\(m.port)"
            out += "m=\(m.type) \(port) \(m.proto)" + m.formats.map { " " + $0 }.joined() + "\r\n"
            if let information = m.information { out += "i=\(information)\r\n" }
            for connection in m.connections { out += connection.line }
            for bandwidth in m.bandwidths { out += bandwidth.line }
            if let key = m.key { out += "k=\(key)\r\n" }
            for attribute in m.attributes { out += attribute.line }
        }
        return out
    }

    /// The description as bytes for a SIP body.
    public var bytes: [UInt8] { Array(text.utf8) }
}

extension Connection {
    var line: String { "c=\(networkType) \(addressType) \(address)\r\n" }
}

extension Bandwidth {
    var line: String { "b=\(type):\(value)\r\n" }
}

extension Attribute {
    var line: String { value.map { "a=\(name):\($0)\r\n" } ?? "a=\(name)\r\n" }
}
