/// A SIP request method. Methods are case-sensitive tokens (RFC 3261 §7.1); unknown ones are kept.
public struct SIPMethod: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The method token as sent.
    public let rawValue: String

    /// Creates a method from its token.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    public var description: String { rawValue }

    public static let invite: SIPMethod = "INVITE"
    public static let ack: SIPMethod = "ACK"
    public static let bye: SIPMethod = "BYE"
    public static let cancel: SIPMethod = "CANCEL"
    public static let register: SIPMethod = "REGISTER"
    public static let options: SIPMethod = "OPTIONS"
    public static let message: SIPMethod = "MESSAGE"
    public static let info: SIPMethod = "INFO"
    public static let update: SIPMethod = "UPDATE"
    public static let prack: SIPMethod = "PRACK"
    public static let subscribe: SIPMethod = "SUBSCRIBE"
    public static let notify: SIPMethod = "NOTIFY"
    public static let refer: SIPMethod = "REFER"
    public static let publish: SIPMethod = "PUBLISH"

    /// The methods this stack knows the meaning of.
    public static let known: Set<SIPMethod> = [.invite, .ack, .bye, .cancel, .register, .options, .message,
                                                .info, .update, .prack, .subscribe, .notify, .refer, .publish]
}
