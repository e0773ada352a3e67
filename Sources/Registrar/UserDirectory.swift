import Foundation
public import SIPCore

/// The users the server authenticates (`--users FILE`): one per line, `user password` or
/// `user ha1=HEX` (the MD5 H(user:realm:password), so the file need not hold passwords).
/// `#` starts a comment. The realm is the domain being served, so one file serves every domain.
public struct UserDirectory: Sendable {
    enum Secret: Sendable { case password(String), md5HA1(String) }
    private var users: [String: Secret] = [:]

    /// Reads a users file.
    /// - Throws: a message naming the file and line of the first bad entry.
    public init(contentsOf path: String) throws(ServerError) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ServerError("cannot read the users file \(path)")
        }
        try self.init(text: text, file: path)
    }

    /// Parses users-file text.
    public init(text: String, file: String = "<users>") throws(ServerError) {
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if fields.isEmpty { continue }
            guard fields.count == 2 else {
                throw ServerError("\(file):\(number + 1): expected `user password` or `user ha1=HEX`, got '\(line)'")
            }
            if fields[1].hasPrefix("ha1=") {
                let hex = String(fields[1].dropFirst(4)).lowercased()
                guard hex.count == 32, hex.allSatisfy(\.isHexDigit) else {
                    throw ServerError("\(file):\(number + 1): ha1= needs 32 hex digits (MD5)")
                }
                users[fields[0]] = .md5HA1(hex)
            } else {
                users[fields[0]] = .password(fields[1])
            }
        }
    }

    /// Whether `user` is in the file.
    public func contains(_ user: String) -> Bool { users[user] != nil }

    /// H(A1) for a user in a realm with an algorithm, or nil (unknown user, or an HA1-only
    /// entry asked for another algorithm).
    public func ha1(user: String, realm: String, algorithm: DigestAlgorithm) -> String? {
        switch users[user] {
        case .password(let password)?:
            // For -sess algorithms this is the plain H(user:realm:password) too (same hash);
            // the nonces are mixed in when the response is computed.
            return Digest.ha1(algorithm: algorithm, username: user, realm: realm, password: password)
        case .md5HA1(let hex)? where algorithm == .md5 || algorithm == .md5Session:
            return hex
        default:
            return nil
        }
    }
}
