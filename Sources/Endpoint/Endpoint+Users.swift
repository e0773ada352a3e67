import SIPCore
import SIPDialog

/// A range of users registered from one endpoint (`callwire load --register --user-range`):
/// each user gets its own binding (its own REGISTER dialog, Contact `sip:USER@us`), kept
/// refreshed until ``unregisterUsers()``, and challenges are answered as that user with
/// ``CallerOptions/userPassword``.
extension Endpoint {
    /// How registering a range of users went.
    public struct UserRegistrations: Sendable, Equatable {
        /// Users bound at the registrar.
        public var registered: [String] = []
        /// Users refused or not answered, with the status and reason.
        public var failed: [(user: String, status: Int, reason: String)] = []

        public static func == (a: Self, b: Self) -> Bool {
            a.registered == b.registered && a.failed.map(\.user) == b.failed.map(\.user)
                && a.failed.map(\.status) == b.failed.map(\.status)
        }
    }

    /// Registers each of `users` of our domain with the domain's registrar (or the proxy), at
    /// most `parallel` REGISTER transactions at a time. Bindings that succeed are refreshed
    /// before they expire; what happens to ones that fail is what a registration does after a
    /// failure (``Registration/register()``: tried again after `--retry-interval`, except when
    /// the credentials were refused).
    public func register(users: [String], parallel: Int = 16) async -> UserRegistrations {
        var outcome = UserRegistrations()
        let width = max(1, parallel)
        var next = 0
        await withTaskGroup(of: (String, Registration.Outcome).self) { group in
            func add(_ user: String) {
                let registration = makeRegistration(user: user)
                group.addTask { (user, await registration.register()) }
            }
            while next < users.count && next < width {
                add(users[next])
                next += 1
            }
            for await (user, result) in group {
                switch result {
                case .registered: outcome.registered.append(user)
                case .failed(let status, let reason): outcome.failed.append((user, status, reason))
                }
                if next < users.count {
                    add(users[next])
                    next += 1
                }
            }
        }
        return outcome
    }

    /// Removes every binding ``register(users:parallel:)`` made (REGISTER with Expires: 0,
    /// RFC 3261 §10.2.2), at most `parallel` at a time, and forgets them.
    public func unregisterUsers(parallel: Int = 16) async {
        let registrations = (try? await eventLoop.submit { [self] () -> [Registration] in
            defer { userRegistrations = [] }
            return userRegistrations
        }.get()) ?? []
        let width = max(1, parallel)
        var next = 0
        await withTaskGroup(of: Void.self) { group in
            while next < registrations.count && next < width {
                let registration = registrations[next]
                group.addTask { await registration.unregister() }
                next += 1
            }
            for await _ in group where next < registrations.count {
                let registration = registrations[next]
                group.addTask { await registration.unregister() }
                next += 1
            }
        }
    }
}
