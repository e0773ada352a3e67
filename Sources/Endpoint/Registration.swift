import Foundation
import NIOCore
import SIPCore
import SIPDialog
import SIPTransport
import Synchronization

/// Keeps our address of record bound at the registrar (RFC 3261 §10.2): REGISTER with the
/// requested Expires, refresh before the granted time runs out, retry after failures, honour
/// 423 Min-Expires, and remove the binding on exit.
final class Registration: @unchecked Sendable {
    /// How the last attempt ended.
    enum Outcome: Sendable, Equatable { case registered(expires: Int), failed(status: Int, reason: String) }

    private let agent: SIPUserAgent
    private let registrar: SIPURI
    private let aor: NameAddress
    private let contact: String
    private let interval: Int, retryInterval: Int
    private let locate: @Sendable () async throws(CallerError) -> [SIPDestination]
    private let report: @Sendable (CallerEvent) -> Void
    /// Told of each successful REGISTER and the flow it went on (keep-alives start there).
    private let registered: @Sendable (SIPDestination) -> Void
    private let callID: String
    private let state = Mutex(State())

    private struct State {
        var sequence: UInt32 = 0
        var expires = 3600
        var registered = false
        var closed = false
        /// The refresh or retry, on the agent's loop (virtual time in tests).
        var timer: Scheduled<Void>?
        /// A refresh under way; cancelled with the registration.
        var attempt: Task<Void, Never>?
        /// Where the last REGISTER went.
        var flow: SIPDestination?
    }

    init(agent: SIPUserAgent, registrar: SIPURI, aor: NameAddress, contact: String, interval: Int, retryInterval: Int,
         locate: @escaping @Sendable () async throws(CallerError) -> [SIPDestination],
         report: @escaping @Sendable (CallerEvent) -> Void,
         registered: @escaping @Sendable (SIPDestination) -> Void = { _ in }) {
        self.agent = agent
        self.registered = registered
        self.registrar = registrar
        self.aor = aor
        self.contact = contact
        self.interval = interval
        self.retryInterval = retryInterval
        self.locate = locate
        self.report = report
        // One Call-ID for every REGISTER of this binding (§10.2: refreshes reuse it).
        callID = SIPIdentifiers.callID(host: agent.stack.advertised.host)
        state.withLock { $0.expires = interval }
    }

    /// Registers once (answering challenges) and schedules the refresh or the retry.
    func register() async -> Outcome {
        let expires = state.withLock { $0.expires }
        let response: SIPMessage
        do throws(CallerError) {
            response = try await send(expires: expires)
        } catch {
            report(.registrationFailed(status: 503, reason: error.description, retry: retryInterval))
            schedule(after: retryInterval)
            return .failed(status: 503, reason: error.description)
        }
        let status = response.status ?? 500, reason = response.reason ?? ""
        switch status {
        case 200...299:
            // The registrar's grant: our Contact's expires parameter, else Expires (§10.2.4).
            let granted = grantedExpiry(response) ?? expires
            let flow = state.withLock { s -> SIPDestination? in
                s.registered = true
                return s.flow
            }
            report(.registered(aor: aor.uri.description, expires: granted))
            if let flow { registered(flow) }
            // Refresh ahead of expiry: 5–15 s early for long grants, halfway for short ones.
            let margin = granted > 60 ? Int.random(in: 5...15) : granted / 2
            schedule(after: max(granted - margin, 1))
            return .registered(expires: granted)
        case 423:
            // §10.3 step 7: ask again at once with at least the registrar's minimum.
            if let minimum = try? response.minExpires, Int(minimum) > expires {
                state.withLock { $0.expires = Int(minimum) }
                report(.log(level: .info, text: "registrar wants Expires ≥ \(minimum); registering again"))
                return await register()
            }
            fallthrough
        default:
            report(.registrationFailed(status: status, reason: reason, retry: retryInterval))
            if status != 401 && status != 407 && status != 403 { schedule(after: retryInterval) }
            return .failed(status: status, reason: reason)
        }
    }

    /// Removes the binding (Expires: 0) and waits for the answer, at most `limit`.
    func unregister(limit: Duration = .seconds(5)) async {
        let wasRegistered = state.withLock { s -> Bool in
            s.closed = true
            s.timer?.cancel()
            s.attempt?.cancel()
            return s.registered
        }
        guard wasRegistered else { return }
        // Whichever comes first: the answer, or the limit (the REGISTER runs on to Timer F).
        let status = await withTaskGroup(of: Int?.self) { group -> Int? in
            group.addTask { [self] in (try? await send(expires: 0))?.status }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        report(.unregistered(aor: aor.uri.description, status: status ?? 408))
    }

    private func schedule(after seconds: Int) {
        let timer = agent.stack.eventLoop.scheduleTask(in: .seconds(Int64(seconds))) { [weak self] () -> Void in self?.refresh() }
        state.withLock { s in
            s.timer?.cancel()
            if s.closed { timer.cancel() } else { s.timer = timer }
        }
    }

    /// Registers again now (the flow it used has failed, RFC 5626 §4.4.1).
    func registerAgain() {
        state.withLock { $0.timer?.cancel() }
        refresh()
    }

    /// The timer fired: register again (the attempt is owned here and cancelled on exit).
    private func refresh() {
        state.withLock { s in
            guard !s.closed else { return }
            s.attempt?.cancel()   // one attempt at a time, each with this owner
            s.attempt = Task { [weak self] in _ = await self?.register() }
        }
    }

    private func send(expires: Int) async throws(CallerError) -> SIPMessage {
        let targets = try await locate()
        let sequence = state.withLock { s -> UInt32 in
            s.sequence += 1
            return s.sequence
        }
        var request = agent.makeRequest(.register, target: registrar, from: aor, to: aor, callID: callID,
                                        sequence: sequence, fromTag: SIPIdentifiers.tag())
        request.headers.add(.contact, contact)
        request.headers.add(.expires, String(expires))
        state.withLock { $0.flow = targets[0] }
        let response = await agent.send(request, to: targets[0], fallbacks: Array(targets.dropFirst()))
        // The transaction numbers challenged retries itself; keep our count ahead of it.
        if let used = (try? response.cseq)??.sequence {
            state.withLock { $0.sequence = max($0.sequence, used) }
        }
        return response
    }

    private func grantedExpiry(_ response: SIPMessage) -> Int? {
        let ours = contact.trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
        if case .addresses(let list)? = try? response.contacts,
           let mine = list.first(where: { entry in
               (try? SIPURI.parse(ours)).map { entry.uri.matches($0) } ?? false
           }),
           let expires = mine.expires {
            return Int(expires)
        }
        return (try? response.expires).flatMap { $0 }.map(Int.init)
    }
}
