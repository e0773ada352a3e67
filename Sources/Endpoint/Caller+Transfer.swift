import SIPCore

/// `/transfer`: blind to a URI, or attended to the party of another call.
extension Caller {
    /// `/transfer [N] TARGET`: TARGET is a URI (blind) or a call number M (attended: call N's
    /// far end replaces call M). Without N: the newest call other than M.
    func transferCommand(_ words: [String]) async {
        guard let last = words.last, words.count <= 2 else {
            return say(.warning, "/transfer needs a target: /transfer sip:carol@example.com, or /transfer 2 for call 2's party")
        }
        let calls = await endpoint.liveCalls
        let other = Int(last).flatMap { number in calls.first { $0.number == number } }
        if Int(last) != nil && other == nil { return say(.warning, "/transfer: no call \(last); /calls lists them") }
        let call: Call
        if words.count == 2 {
            guard let (named, _) = await target([words[0]], command: "transfer") else { return }
            call = named
        } else if let newest = calls.last(where: { $0 !== other }) {
            call = newest
        } else {
            return say(.warning, "/transfer: there is no call to transfer")
        }
        let outcome: TransferOutcome
        if let other {
            say(.info, "call \(call.number): transferring to the party of call \(other.number)")
            outcome = await call.transfer(to: other)
        } else {
            guard let uri = try? SIPURI.parse(last.contains(":") ? last : "sip:" + last) else {
                return say(.warning, "/transfer: '\(last)' is not a SIP address")
            }
            say(.info, "call \(call.number): transferring to \(uri)")
            outcome = await call.transfer(to: uri)
        }
        switch outcome {
        case .transferred: say(.info, "call \(call.number): transfer done")
        case .accepted: say(.info, "call \(call.number): transfer accepted (no progress reported)")
        case .failed(let status, let reason): say(.warning, "call \(call.number): transfer failed (\(status) \(reason))")
        }
    }
}
