extension SIPURI {
    /// The URI in canonical text form, escaping what §25 requires.
    public var description: String {
        var out = scheme.description + ":"
        switch scheme {
        case .sip, .sips:
            if let user {
                out += Self.escape(user, allowed: ASCII.isUserChar)
                if let password { out += ":" + Self.escape(password, allowed: ASCII.isPasswordChar) }
                out += "@"
            }
            out += hostPort
        case .tel:
            out += user ?? ""
        case .other:
            return out + (opaque ?? "")
        }
        for parameter in parameters {
            out += ";" + Self.escape(parameter.name, allowed: ASCII.isParamChar)
            if let value = parameter.value { out += "=" + Self.escape(value, allowed: ASCII.isParamChar) }
        }
        for (i, header) in headers.enumerated() {
            out += (i == 0 ? "?" : "&") + Self.escape(header.name, allowed: ASCII.isHeaderChar)
                + "=" + Self.escape(header.value ?? "", allowed: ASCII.isHeaderChar)
        }
        return out
    }

    static func escape(_ text: String, allowed: (UInt8) -> Bool) -> String {
        guard text.utf8.contains(where: { !allowed($0) }) else { return text }
        var out = ""
        for byte in text.utf8 {
            if allowed(byte) { out.unicodeScalars.append(Unicode.Scalar(byte)) } else { out += "%" + hex(byte) }
        }
        return out
    }
}

extension SIPURI {
    /// URI equivalence per RFC 3261 §19.1.4.
    ///
    /// Scheme, user and password must match exactly (after unescaping, which parsing already
    /// did); the host compares case-insensitively; an explicit port never equals an absent one;
    /// `user`, `ttl`, `method`, `maddr` and `transport` parameters must match when present in
    /// either URI, other parameters only when present in both; headers must match as a set.
    public func matches(_ other: SIPURI) -> Bool {
        guard scheme == other.scheme else { return false }
        guard scheme.isSIP else {
            if scheme == .tel { return user == other.user && Set(parameters.map(Self.lowered)) == Set(other.parameters.map(Self.lowered)) }
            return opaque == other.opaque
        }
        guard user == other.user, password == other.password, host.caseInsensitiveEquals(other.host),
              port == other.port else { return false }
        for name in ["user", "ttl", "method", "maddr", "transport"] where hasParameter(name) || other.hasParameter(name) {
            guard let mine = self[name], let theirs = other[name], mine.caseInsensitiveEquals(theirs) else { return false }
        }
        // A name given twice counts once, by its first value, on both sides.
        for parameter in parameters where self[parameter.name] != nil {
            if let mine = self[parameter.name], let theirs = other[parameter.name], !mine.caseInsensitiveEquals(theirs) {
                return false
            }
        }
        let mine = Set(headers.map { Self.lowered(Parameter($0.name, $0.value)) })
        let theirs = Set(other.headers.map { Self.lowered(Parameter($0.name, $0.value)) })
        return mine == theirs
    }

    private static func lowered(_ parameter: Parameter) -> Parameter {
        Parameter(parameter.name.lowercased(), parameter.value)
    }
}
