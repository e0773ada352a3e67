/// What happens to one ``Call``, on its typed stream (``Call/events``).
public enum CallEvent: Sendable, Equatable {
    /// The call entered a state.
    case state(CallState)
    /// The media settled or changed: the codec, its payload type, telephone-event's, and which
    /// way media flows now.
    case media(codec: String, payloadType: Int, telephoneEvent: Int?, sends: Bool, receives: Bool)
    /// A new offer was refused (ours by the peer, or the peer's by us); the media did not change.
    case offerRejected(status: Int, reason: String)
    /// A DTMF key from the far end, and how it came (`rfc4733`, `info`, `inband`).
    case dtmf(digit: String, method: String)
    /// Words recognized in what the far end said (media times in seconds).
    case recognized(text: String, start: Double, end: Double)
    /// A steady tone at `frequency` Hz was heard from `start` (seconds of media), by the
    /// pipeline's `tone-detector`.
    case tone(frequency: Int, start: Double)
    /// The far end asked to transfer this call to `target` (REFER); with
    /// `--accept-transfer ask` it waits for ``Call/acceptTransfer()`` or ``Call/declineTransfer()``.
    case transferRequested(target: String)
    /// How a transfer of this call goes (a sipfrag status: 100 trying, 200 done, ≥ 300 failed).
    case transfer(status: Int, reason: String)
    /// The call ended.
    case ended(reason: String)
}
