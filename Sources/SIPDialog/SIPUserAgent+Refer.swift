public import SIPCore

/// The answer to a REFER (RFC 3515 §2.4.2) and what follows it.
public struct ReferReply: Sendable {
    /// 202 Accepted, or a refusal (603 Decline, 403, …).
    public var status: Int
    /// Runs on the stack's loop once the response is on its way: the first NOTIFY goes after it.
    public var then: (@Sendable () -> Void)?

    /// A reply.
    public init(status: Int, then: (@Sendable () -> Void)? = nil) {
        self.status = status
        self.then = then
    }
}

/// REFER and NOTIFY inside a call (RFC 3515 transfer, RFC 4488 `Refer-Sub: false`, the
/// `refer` event package of RFC 6665): checked here, decided by ``SIPUserAgent/Options``.
extension SIPUserAgent {
    /// Whether a REFER asks for the implicit subscription: only `Refer-Sub: false` declines it
    /// (RFC 4488 §4).
    public static func wantsSubscription(_ refer: SIPMessage) -> Bool {
        refer.headers[.referSub]?.trimmed.lowercased() != "false"
    }

    /// The `refer` package's NOTIFY body: a sipfrag status line (RFC 3420, RFC 3515 §2.4.5).
    public static func sipfrag(status: Int, reason: String) -> [UInt8] { Array("SIP/2.0 \(status) \(reason)\r\n".utf8) }

    /// The status code of a sipfrag body (`SIP/2.0 180 Ringing` → 180), if it is one.
    public static func sipfragStatus(_ body: [UInt8]) -> Int? {
        let line = String(decoding: body.prefix(200), as: UTF8.self).split(whereSeparator: \.isNewline).first ?? ""
        let words = line.split(separator: " ")
        guard words.count >= 2, words[0].uppercased() == "SIP/2.0", let status = Int(words[1]), (100...699).contains(status) else {
            return nil
        }
        return status
    }

    func receivedRefer(_ call: Call, _ request: SIPStack.ServerRequest) {
        let message = request.message
        // §2.4.1: exactly one Refer-To, a URI we can read.
        let targets = message.headers.values(.referTo)
        guard targets.count == 1, (try? NameAddress.parse(targets[0])) != nil else {
            stack.respond(SIPMessage.response(to: message, status: 400, reason: "Bad Request (one Refer-To with a SIP URI)"), to: request)
            return
        }
        let reply = options.refer(call, message)
        var response = SIPMessage.response(to: message, status: reply.status)
        if (200...299).contains(reply.status) {
            response.headers.add(.contact, contact(kind: request.source.kind))
            // RFC 4488 §4: taking `Refer-Sub: false` is said in the answer.
            if !Self.wantsSubscription(message) { response.headers.add(.referSub, "false") }
        }
        if !options.product.isEmpty { response.headers.add(.server, options.product) }
        stack.respond(response, to: request)
        reply.then?()
    }

    func receivedNotify(_ call: Call, _ request: SIPStack.ServerRequest) {
        let message = request.message
        // RFC 6665 §8.2.1: the Event header names the package; ours is `refer` alone.
        let package = message.headers[.event]?.split(separator: ";").first?.trimmed.lowercased()
        guard package == "refer" else {
            var response = SIPMessage.response(to: message, status: 489, reason: "Bad Event")
            response.headers.add(.allowEvents, "refer")
            stack.respond(response, to: request)
            return
        }
        var response = SIPMessage.response(to: message, status: options.notify(call, message))
        if !options.product.isEmpty { response.headers.add(.server, options.product) }
        stack.respond(response, to: request)
    }
}
