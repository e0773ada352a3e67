import SIPCore
import SIPDialog

/// The user agent's transfer hooks (on the loop): a REFER to take, a NOTIFY reporting one of ours.
extension Endpoint {
    func referred(_ sip: SIPUserAgent.Call, _ request: SIPMessage) -> ReferReply {
        calls[sip.callID]?.referred(request) ?? ReferReply(status: 481)
    }

    func notified(_ sip: SIPUserAgent.Call, _ request: SIPMessage) -> Int {
        calls[sip.callID]?.transferProgress(request) ?? 481
    }
}
