/// A DTMF key: `0`–`9`, `*`, `#`, `A`–`D` (RFC 4733 §3.2 events 0–15).
public struct DTMFDigit: Hashable, Sendable, CustomStringConvertible {
    /// The key as a character.
    public let character: Character

    /// The keys in RFC 4733 event-code order.
    public static let all: [Character] = Array("0123456789*#ABCD")

    /// Creates a digit from a key, or `nil` when `character` is not a DTMF key. Lower-case
    /// `a`–`d` are accepted.
    public init?(_ character: Character) {
        let upper = Character(character.uppercased())
        guard Self.all.contains(upper) else { return nil }
        self.character = upper
    }

    /// Creates a digit from its RFC 4733 event code (0–15).
    public init?(eventCode: Int) {
        guard Self.all.indices.contains(eventCode) else { return nil }
        character = Self.all[eventCode]
    }

    /// The RFC 4733 event code (0–15).
    public var eventCode: Int { Self.all.firstIndex(of: character)! }

    public var description: String { String(character) }
}

/// Something that travels beside frames, or is posted by a node for the application to see.
///
/// Events flow downstream in order with the frames (`end-of-stream` after the last frame),
/// and the application can send events into a named node (typed DTMF keys, text to speak).
public enum MediaEvent: Sendable, Equatable {
    /// No more frames will follow on this path.
    case endOfStream
    /// Drop buffered media and start afresh (after a seek or a re-INVITE).
    case flush
    /// A DTMF digit: detected or to be sent; `duration` is known when the tone has ended.
    case dtmf(DTMFDigit, at: MediaTime?, duration: Duration?)
    /// A line of text: to be spoken, or typed by the user.
    case text(String)
    /// Speech recognized in an utterance spanning `start..<end` (or a key phrase spotted there),
    /// with the posterior, per-word times and confidences and any n-best list in `details`.
    case recognized(text: String, start: MediaTime, end: MediaTime, details: Recognition)
    /// A partial hypothesis while an utterance that began at `start` is still being spoken; `at`
    /// is how far into the stream the recognizer has heard. A `recognized` event ends the utterance.
    case recognizing(text: String, start: MediaTime, at: MediaTime)
    /// A measurement of the signal level over an interval, in dBFS.
    case level(rms: Double, peak: Double, at: MediaTime)
    /// Voice activity changed.
    case speech(active: Bool, at: MediaTime)
    /// The format of the stream changed, or a parameter should change (`key=value`).
    case reconfigure([String: String])
    /// A plugin-defined event; `name` is a namespaced identifier such as `rtp.stats`.
    case custom(name: String, fields: [String: String])
}

/// Where an event handed to ``MediaNode/handle(_:from:context:)`` came from.
public enum EventOrigin: Sendable, Hashable {
    /// Downstream flow, arriving on this input port.
    case input(Int)
    /// The application, through ``Graph/send(_:to:)``.
    case application
}
