import SIPCore
import SIPTransaction

/// Runs a transaction layer on virtual time: executes its events, keeps its timers, and
/// records what it sent and told the user, each with the virtual instant.
struct VirtualRuntime {
    var layer = TransactionLayer()
    var now: Duration = .zero
    var timers: [TimerKey: Duration] = [:]
    var sent: [(at: Duration, message: SIPMessage)] = []
    var told: [(at: Duration, event: TransactionEvent)] = []
    /// Every timer started, with its transaction.
    var started: [(id: TransactionID, timer: TransactionTimer)] = []

    struct TimerKey: Hashable {
        var id: TransactionID
        var timer: TransactionTimer
    }

    mutating func run(_ events: [TransactionEvent]) {
        for event in events {
            switch event {
            case .send(let message, _): sent.append((now, message))
            case .startTimer(let id, let timer, let after):
                timers[TimerKey(id: id, timer: timer)] = now + after
                started.append((id, timer))
            case .cancelTimer(let id, let timer): timers[TimerKey(id: id, timer: timer)] = nil
            default: told.append((now, event))
            }
        }
    }

    /// Advances virtual time to `instant`, firing due timers in deadline order.
    mutating func advance(to instant: Duration) {
        while let (key, deadline) = timers.filter({ $0.value <= instant }).min(by: { $0.value < $1.value }) {
            timers[key] = nil
            now = deadline
            run(layer.fire(key.timer, for: key.id))
        }
        now = instant
    }

    mutating func start(_ request: SIPMessage, reliable: Bool = false) throws -> TransactionID {
        let (id, events) = try layer.send(request, reliable: reliable)
        run(events)
        return id
    }

    mutating func receive(_ message: SIPMessage, reliable: Bool = false) {
        run(layer.receive(message, reliable: reliable))
    }

    /// The instants at which messages of `kind` were sent (a method, or a status code).
    func sendTimes(_ kind: String) -> [Double] {
        sent.filter { entry in
            if let method = entry.message.method { return method.rawValue == kind }
            return entry.message.status.map(String.init) == kind
        }.map { $0.at.seconds }
    }

    func told(_ match: (TransactionEvent) -> Bool) -> [Double] {
        told.filter { match($0.event) }.map { $0.at.seconds }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Messages for the tests.
enum Fixture {
    static func request(_ method: SIPMethod, branch: String = "z9hG4bK" + SIPIdentifiers.random(8), toTag: String? = nil,
                        fromTag: String = "f1", callID: String = "call-1", cseq: UInt32 = 1,
                        sentBy: String = "127.0.0.1:5070") -> SIPMessage {
        var message = SIPMessage(method: method, uri: SIPURI(user: "bob", host: "127.0.0.1"))
        message.headers.add(.via, "SIP/2.0/UDP \(sentBy);branch=\(branch)")
        message.headers.add(.maxForwards, "70")
        message.headers.add(.from, "<sip:alice@127.0.0.1>;tag=\(fromTag)")
        message.headers.add(.to, "<sip:bob@127.0.0.1>" + (toTag.map { ";tag=\($0)" } ?? ""))
        message.headers.add(.callID, callID)
        message.headers.add(.cseq, "\(cseq) \(method == .ack ? "ACK" : method.rawValue)")
        return message
    }

    static func response(_ status: Int, to request: SIPMessage, toTag: String? = "t1") -> SIPMessage {
        SIPMessage.response(to: request, status: status, toTag: toTag)
    }
}
