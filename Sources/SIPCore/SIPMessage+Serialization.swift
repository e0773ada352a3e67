/// Line endings for serialized messages.
public enum SIPLineEnding: Sendable {
    /// CRLF, as RFC 3261 requires.
    case crlf
    /// Bare LF, for peers that mishandle CRLF (rtclite's `--use-lf`).
    case lf
}

extension SIPMessage {
    /// The message in canonical form: canonical header names, folded values unfolded, and a
    /// Content-Length computed from the body (replacing any present).
    public func serialized(lineEnding: SIPLineEnding = .crlf) -> [UInt8] {
        // Appended in place, no temporary array or string per line: a proxy serializes every
        // message it forwards.
        let crlf = lineEnding == .crlf
        var out: [UInt8] = []
        out.reserveCapacity(64 + headers.fields.count * 24 + headers.buffer.count + body.count)
        func endLine() {
            if crlf { out.append(ASCII.cr) }
            out.append(ASCII.lf)
        }
        switch startLine {
        case .request(let method, let uri):
            out.append(contentsOf: method.rawValue.utf8)
            out.append(ASCII.space)
            out.append(contentsOf: uri.description.utf8)
            out.append(contentsOf: " SIP/2.0".utf8)
        case .response(let status, let reason):
            out.append(contentsOf: "SIP/2.0 ".utf8)
            out.append(contentsOf: String(status).utf8)
            out.append(ASCII.space)
            out.append(contentsOf: reason.utf8)
        }
        endLine()
        for field in headers.fields where field.name != .contentLength {
            out.append(contentsOf: field.name.canonical.utf8)
            out.append(ASCII.colon)
            out.append(ASCII.space)
            if field.folded { out.append(contentsOf: headers.text(field).utf8) } else { out.append(contentsOf: headers.buffer[field.range]) }
            endLine()
        }
        out.append(contentsOf: "Content-Length: ".utf8)
        out.append(contentsOf: String(body.count).utf8)
        endLine()
        endLine()
        out.append(contentsOf: body)
        return out
    }

    /// The serialized message as text (for logs and traces).
    public var text: String { String(decoding: serialized(), as: UTF8.self) }
}

extension SIPMessage {
    /// Builds a response to `request` (RFC 3261 §8.2.6.2): Via values, From, To, Call-ID and
    /// CSeq are copied, and `toTag` is added to To when To has no tag yet.
    public static func response(to request: SIPMessage, status: Int, reason: String? = nil,
                                toTag: String? = nil) -> SIPMessage {
        var response = SIPMessage(status: status, reason: reason)
        for field in request.headers.fields where [.via, .from, .callID, .cseq].contains(field.name) || field.name == .to {
            let value = request.headers.text(field)
            if field.name == .to, let toTag, status > 100,
               let to = try? request.headers.parseSingle(.to, NameAddress.parse), to.tag == nil {
                var tagged = to
                tagged.tag = toTag
                response.headers.add(.to, tagged.description)
            } else {
                response.headers.add(field.name, value)
            }
        }
        return response
    }

    /// The CANCEL for a pending INVITE (RFC 3261 §9.1): the INVITE's Request-URI, top Via (same
    /// branch), Max-Forwards, From, To, Call-ID, CSeq number and Route set. Nil for a response.
    public static func cancel(for invite: SIPMessage) -> SIPMessage? {
        guard let uri = invite.requestURI else { return nil }
        var cancel = SIPMessage(method: .cancel, uri: uri)
        if let via = invite.headers.values(.via).first { cancel.headers.add(.via, via) }
        for name in [SIPHeaderName.maxForwards, .from, .to, .callID] {
            if let value = invite.headers[name] { cancel.headers.add(name, value) }
        }
        if let cseq = try? invite.cseq { cancel.headers.add(.cseq, "\(cseq.sequence) CANCEL") }
        for route in invite.headers.values(.route) { cancel.headers.add(.route, route) }
        return cancel
    }
}
