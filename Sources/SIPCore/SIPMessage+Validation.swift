extension SIPMessage {
    /// Checks the headers every layer relies on and returns them parsed (RFC 3261 §8.2.1,
    /// §16.3, §18.1.2): Via (at least one), From, To, Call-ID and CSeq exactly once each,
    /// the CSeq method equal to the request method, Max-Forwards 0–255, Content-Type well
    /// formed.
    ///
    /// Contact is not checked here: it is parsed when a layer first needs it — a registrar
    /// binding it, a user agent creating a dialog — and that layer answers 400 when it is
    /// malformed. A proxy leaves it alone, as RFC 3261 §16.3 step 1 asks of components it does
    /// not use (RFC 4475 §3.1.2.13 calls rejecting it "reasonable" for a registrar).
    /// - Throws: ``SIPParseError`` with the response to send (400 for requests) or none
    ///   (responses are discarded).
    public func validate() throws(SIPParseError) -> CoreHeaders {
        let request = isRequest
        func fail(_ kind: SIPParseError.Kind, _ message: String) -> SIPParseError {
            SIPParseError(kind, message, isRequest: request, headers: headers)
        }
        // One pass: where each single-valued header is, and how often it occurs.
        var slots = InlineArray<7, (index: Int, count: Int)>(repeating: (-1, 0))
        var hasVia = false
        for (index, field) in headers.fields.enumerated() {
            if field.name == .via { hasVia = true; continue }
            guard let slot = Slot(field.name) else { continue }
            if slots[slot.rawValue].count == 0 { slots[slot.rawValue].index = index }
            slots[slot.rawValue].count += 1
        }
        guard hasVia else { throw fail(.missingHeader, "the Via header is missing") }
        // Every parser runs inside one borrow of the message bytes.
        let (topVia, lowerVias, from, to, callID, cseq, maxForwards) = try withBytes(headers.buffer) { (bytes) throws(SIPParseError)
            -> (Via, [Via], NameAddress, NameAddress, String, CSeq, Int?) in
            func single<T>(_ slot: Slot, _ parse: (inout ByteScanner) throws(SIPHeaderError) -> T) throws(SIPParseError) -> T? {
                let (index, count) = slots[slot.rawValue]
                guard count > 0 else { return nil }
                guard count == 1 else { throw fail(.duplicateHeader, "\(slot.name) appears \(count) times; it must appear once") }
                let range = headers.fields[index].range
                var scanner = ByteScanner(bytes, from: range.lowerBound, to: range.upperBound)
                do throws(SIPHeaderError) {
                    let value = try parse(&scanner)
                    scanner.skipLWS()
                    guard scanner.isAtEnd else { throw SIPHeaderError("unexpected text after the value") }
                    return value
                } catch {
                    throw fail(.headerValue, "\(slot.name): \(error.message)")
                }
            }
            func required<T>(_ slot: Slot, _ parse: (inout ByteScanner) throws(SIPHeaderError) -> T) throws(SIPParseError) -> T {
                guard let value = try single(slot, parse) else { throw fail(.missingHeader, "the \(slot.name) header is missing") }
                return value
            }
            var topVia: Via?, lowerVias: [Via] = []
            do throws(SIPHeaderError) {
                for field in headers.fields where field.name == .via {
                    var scanner = ByteScanner(bytes, from: field.range.lowerBound, to: field.range.upperBound)
                    while true {
                        let via = try Via.parse(&scanner)
                        if topVia == nil { topVia = via } else { lowerVias.append(via) }
                        scanner.skipLWS()
                        if scanner.isAtEnd { break }
                        guard scanner.consume(ASCII.comma) else { throw SIPHeaderError("expected ',' between values") }
                    }
                }
            } catch {
                throw fail(.headerValue, "Via: \(error.message)")
            }
            guard let topVia else { throw fail(.missingHeader, "the Via header is missing") }
            let from = try required(.from, NameAddress.parse)
            let to = try required(.to, NameAddress.parse)
            let callID = try required(.callID, Self.parseCallID)
            let cseq = try required(.cseq, CSeq.parse)
            let maxForwards = try single(.maxForwards) { (scanner) throws(SIPHeaderError) -> Int in
                scanner.skipLWS()
                let digits = scanner.read(while: ASCII.isDigit)
                guard !digits.isEmpty, let value = parseDecimal(scanner, digits), value <= 255 else {
                    throw SIPHeaderError("Max-Forwards must be a number from 0 to 255")
                }
                return Int(value)
            }
            if !body.isEmpty || slots[Slot.contentType.rawValue].count > 0 { _ = try single(.contentType, ContentType.parse) }
            _ = try single(.expires, Self.parseDeltaSeconds)
            return (topVia, lowerVias, from, to, callID, cseq, maxForwards)
        }
        if case .request(let method, _) = startLine, method != cseq.method {
            // An unknown method is better answered 501 than 400 (RFC 4475 §3.1.2.18).
            throw SIPParseError(.methodMismatch, "the CSeq method \(cseq.method) differs from the request method \(method)",
                                isRequest: true, status: SIPMethod.known.contains(method) ? 400 : 501, headers: headers)
        }
        return CoreHeaders(topVia: topVia, lowerVias: lowerVias, from: from, to: to, callID: callID, cseq: cseq,
                           maxForwards: maxForwards)
    }

    /// The single-valued headers validation looks at.
    private enum Slot: Int, CaseIterable {
        case from, to, callID, cseq, maxForwards, contentType, expires

        init?(_ name: SIPHeaderName) {
            switch name {
            case .from: self = .from
            case .to: self = .to
            case .callID: self = .callID
            case .cseq: self = .cseq
            case .maxForwards: self = .maxForwards
            case .contentType: self = .contentType
            case .expires: self = .expires
            default: return nil
            }
        }

        var name: SIPHeaderName {
            switch self {
            case .from: .from
            case .to: .to
            case .callID: .callID
            case .cseq: .cseq
            case .maxForwards: .maxForwards
            case .contentType: .contentType
            case .expires: .expires
            }
        }
    }

    /// `callid = word [ "@" word ]` (RFC 3261 §25.1).
    static func parseCallID(_ scanner: inout ByteScanner) throws(SIPHeaderError) -> String {
        scanner.skipLWS()
        let start = scanner.index
        _ = scanner.read(while: ASCII.isWord)
        guard scanner.index > start else { throw SIPHeaderError("Call-ID is empty or has invalid characters") }
        if scanner.consume(ASCII.at) {
            let host = scanner.read(while: ASCII.isWord)
            guard !host.isEmpty else { throw SIPHeaderError("Call-ID has nothing after '@'") }
        }
        return scanner.string(start..<scanner.index)
    }
}
