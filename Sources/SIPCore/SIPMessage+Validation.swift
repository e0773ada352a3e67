extension SIPMessage {
    /// Checks the headers every layer relies on and returns them parsed (RFC 3261 §8.2.1,
    /// §16.3, §18.1.2): Via (at least one), From, To, Call-ID and CSeq exactly once each,
    /// the CSeq method equal to the request method, Max-Forwards 0–255, Contact and
    /// Content-Type well formed.
    /// - Throws: ``SIPParseError`` with the response to send (400 for requests) or none
    ///   (responses are discarded).
    public func validate() throws(SIPParseError) -> CoreHeaders {
        let request = isRequest
        func fail(_ kind: SIPParseError.Kind, _ message: String) -> SIPParseError {
            SIPParseError(kind, message, isRequest: request, headers: headers)
        }
        func required<T>(_ name: SIPHeaderName, _ parse: (inout ByteScanner) throws(SIPHeaderError) -> T)
            throws(SIPParseError) -> T {
            do {
                guard let value = try headers.parseSingle(name, parse) else {
                    throw fail(.missingHeader, "the \(name) header is missing")
                }
                return value
            } catch let error as SIPParseError {
                throw error
            } catch let error as SIPHeaderError {
                throw fail(headers.count(name) > 1 ? .duplicateHeader : .headerValue, "\(name): \(error.message)")
            } catch {
                throw fail(.headerValue, "\(name): \(error)")
            }
        }
        let vias: [Via]
        do {
            vias = try headers.parseList(.via, Via.parse)
        } catch {
            throw fail(.headerValue, "Via: \(error.message)")
        }
        guard !vias.isEmpty else { throw fail(.missingHeader, "the Via header is missing") }
        let from = try required(.from, NameAddress.parse)
        let to = try required(.to, NameAddress.parse)
        let callID = try required(.callID, Self.parseCallID)
        let cseq = try required(.cseq, CSeq.parse)
        var maxForwards: Int?
        do {
            maxForwards = try headers.parseSingle(.maxForwards) { (scanner) throws(SIPHeaderError) -> Int in
                scanner.skipLWS()
                let digits = scanner.read(while: ASCII.isDigit)
                guard !digits.isEmpty, let value = parseDecimal(scanner, digits), value <= 255 else {
                    throw SIPHeaderError("Max-Forwards must be a number from 0 to 255")
                }
                return Int(value)
            }
        } catch {
            throw fail(headers.count(.maxForwards) > 1 ? .duplicateHeader : .headerValue, "Max-Forwards: \(error.message)")
        }
        if case .request(let method, _) = startLine, method != cseq.method {
            // An unknown method is better answered 501 than 400 (RFC 4475 §3.1.2.18).
            throw SIPParseError(.methodMismatch, "the CSeq method \(cseq.method) differs from the request method \(method)",
                                isRequest: true, status: SIPMethod.known.contains(method) ? 400 : 501, headers: headers)
        }
        do {
            _ = try contacts
        } catch {
            throw fail(.headerValue, "Contact: \(error.message)")
        }
        if !body.isEmpty || headers.contains(.contentType) {
            do {
                _ = try headers.parseSingle(.contentType, ContentType.parse)
            } catch {
                throw fail(.headerValue, "Content-Type: \(error.message)")
            }
        }
        do {
            _ = try expires
        } catch {
            throw fail(.headerValue, "Expires: \(error.message)")
        }
        return CoreHeaders(vias: vias, from: from, to: to, callID: callID, cseq: cseq, maxForwards: maxForwards)
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
