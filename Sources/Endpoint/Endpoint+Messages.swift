import Foundation
import NIOCore
import SIPCore
import SIPDialog
import SIPTransport

/// Instant messages (RFC 3428 page mode) and the registration, beside the calls.
extension Endpoint {
    /// Handles an incoming MESSAGE (on the loop): reported (`<<< text`), and the first sender
    /// becomes the one typed lines go to when no session of ours exists. Returns the status.
    func message(_ request: SIPMessage) -> Int {
        let text = String(decoding: request.body, as: UTF8.self)
        let from = (try? request.from) ?? NameAddress(uri: SIPURI(host: "invalid"))
        messagesReceived += 1
        guard options.listen else { return 501 }
        // Replies go to the sender's Contact when it gave one (reachable without a server),
        // else to its address of record, as the seed does.
        let contact: SIPURI? = if case .addresses(let list)? = try? request.contacts { list.first?.uri } else { nil }
        if messages == nil {
            messages = makeMessageSession(target: contact ?? from.uri, to: NameAddress(displayName: from.displayName, uri: from.uri))
        }
        // Reported once the reply session exists, so a reply typed at once has somewhere to go.
        report(.messageReceived(from: from.uri.description, text: text))
        return options.autoRespond
    }

    private func makeMessageSession(target: SIPURI, to: NameAddress) -> MessageSession {
        MessageSession(agent: agent, target: target, to: to, from: localAddress,
                       locate: { [weak self] uri throws(CallerError) in
                           guard let self else { throw .network("the endpoint is closed") }
                           return try await destinations(for: uri)
                       },
                       report: { [weak self] in self?.report($0) })
    }

    /// Opens the session our typed lines and `--send` go to.
    func startMessages(to: NameAddress, uri: SIPURI?) async {
        let session = makeMessageSession(target: uri ?? to.uri, to: to)
        _ = try? await eventLoop.submit { [self] in messages = session }.get()
    }

    /// The current MESSAGE session, if any.
    var messageSession: MessageSession? {
        get async { (try? await eventLoop.submit { [self] in messages }.get()) ?? nil }
    }

    /// MESSAGEs sent and received so far.
    func messageCounts() async -> (sent: Int, received: Int) {
        (try? await eventLoop.submit { [self] in (messages?.sent.load(ordering: .relaxed) ?? 0, messagesReceived) }.get()) ?? (0, 0)
    }

    /// A registration of our address of record with the domain's registrar (or the proxy); of
    /// `user` of our domain instead, when given (one of a range, kept in ``userRegistrations``).
    func makeRegistration(user: String? = nil) -> Registration {
        var uri = options.addressOfRecord
        uri.user = nil
        let registrar = uri
        let contact = agent.contact(kind: agent.stack.advertised.kind, user: user)
        var aor = localAddress
        if let user { aor.uri.user = user }
        let registration = Registration(agent: agent, registrar: registrar, aor: aor, contact: contact,
                                        interval: options.registerInterval, retryInterval: options.retryInterval,
                                        locate: { [weak self] () throws(CallerError) in
                                            guard let self else { throw .network("the endpoint is closed") }
                                            return try await destinations(for: registrar)
                                        },
                                        report: { [weak self] in self?.report($0) },
                                        registered: { [weak self] flow in self?.registered(on: flow) })
        eventLoop.execute { [self] in
            if user == nil { self.registration = registration } else { userRegistrations.append(registration) }
        }
        return registration
    }
}
