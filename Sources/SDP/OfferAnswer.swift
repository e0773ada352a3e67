/// One side of RFC 3264 offer/answer for a session with one audio stream.
///
/// Keeps the `o=` line across the session: the version goes up by one each time a description
/// this side sends differs from the previous one (RFC 3264 §8), and stays when it repeats.
public struct OfferAnswer: Sendable {
    /// What this side can do; change it (hold, a new port) and make a new offer.
    public var options: MediaOptions
    /// The origin of the last description sent.
    public private(set) var origin: Origin
    private var lastSent: SessionDescription?

    /// Starts a session. `sessionID` should be unique (RFC 8866 §5.2 suggests an NTP timestamp).
    public init(options: MediaOptions, username: String = "-", sessionID: UInt64) {
        self.options = options
        origin = Origin(username: username, sessionID: String(sessionID), sessionVersion: sessionID,
                        addressType: options.address.contains(":") ? "IP6" : "IP4", address: options.address)
    }

    /// The codecs offered, telephone-event included, in order.
    var offeredCodecs: [CodecCapability] {
        var codecs = options.codecs.filter { !$0.isTelephoneEvent }
        if options.telephoneEvents {
            let rates = Set(codecs.map(\.clockRate)).sorted()
            codecs += rates.map { CodecCapability.telephoneEvent(clockRate: $0) }
        }
        return codecs
    }

    /// An offer: one audio stream with every codec this side handles, in preference order.
    public mutating func makeOffer() -> SessionDescription {
        let codecs = offeredCodecs
        var media = MediaDescription(type: "audio", port: options.port, proto: offeredProfile,
                                     formats: codecs.map { String($0.payloadType) })
        for codec in codecs {
            media.attributes.append(Attribute("rtpmap", codec.rtpMap().attributeValue))
            if let fmtp = codec.formatParameters { media.attributes.append(Attribute("fmtp", "\(codec.payloadType) \(fmtp)")) }
        }
        appendCommonAttributes(to: &media, direction: options.direction, explicitDirection: true, packetTime: options.packetTime)
        media.attributes += offeredSecurityAttributes
        return send(media: [media])
    }

    /// Answers `offer`: the first offered audio stream this side can use is accepted with the
    /// first common codec in the offer's order (and telephone-event when both sides support it),
    /// keeping the offer's payload numbers; every other stream is rejected with port 0.
    /// - Throws: ``NegotiationError`` when no audio stream can be used, saying what was offered
    ///   and what this side handles.
    public mutating func makeAnswer(to offer: SessionDescription) throws(NegotiationError) -> (SessionDescription, NegotiatedAudio) {
        var answered: [MediaDescription] = []
        var negotiated: NegotiatedAudio?
        for offered in offer.media {
            if negotiated == nil, let (media, result) = accept(offered, in: offer) {
                answered.append(media)
                negotiated = result
            } else {
                // RFC 3264 §6: a rejected stream keeps its formats and gets port 0.
                answered.append(MediaDescription(type: offered.type, port: 0, proto: offered.proto, formats: offered.formats))
            }
        }
        guard let negotiated else { throw mismatch(offer) }
        return (send(media: answered), negotiated)
    }

    /// Reads the answer to an offer this side made.
    /// - Throws: ``NegotiationError`` when the answer rejects the audio stream or picks a codec
    ///   that was not offered.
    public func acceptAnswer(_ answer: SessionDescription) throws(NegotiationError) -> NegotiatedAudio {
        guard let media = answer.media.first(where: { $0.type.lowercased() == "audio" }) else {
            throw NegotiationError(warningCode: 304, reason: "the answer has no audio stream")
        }
        guard media.port != 0 else {
            throw NegotiationError(warningCode: 305, reason: "the answer rejected the audio stream (port 0)")
        }
        let offered = offeredCodecs
        var codec: (RTPMap, CodecCapability)?
        var events: RTPMap?
        for pt in media.payloadTypes {
            guard let map = media.rtpMap(for: pt), let ours = offered.first(where: { $0.matches(map) }) else { continue }
            if ours.isTelephoneEvent {
                events = events ?? map
            } else if codec == nil {
                codec = (map, ours)
            }
        }
        guard let (map, _) = codec else {
            throw NegotiationError(warningCode: 305, reason: "the answer chose \(Self.describe(media)), which was not offered; "
                                   + "offered \(offered.filter { !$0.isTelephoneEvent }.map(\.description).joined(separator: ", "))")
        }
        // The answer's fmtp describes the answerer; none means the payload format's defaults.
        var negotiated = result(for: media, in: answer, codec: map, fmtp: media.formatParameters(for: map.payloadType),
                                events: events, direction: options.direction)
        negotiated.security = try security(ofAnswer: media, in: answer)
        return negotiated
    }

    // MARK: - Answering

    private func accept(_ offered: MediaDescription, in offer: SessionDescription) -> (MediaDescription, NegotiatedAudio)? {
        guard offered.type.lowercased() == "audio", offered.isRTP, offered.port != 0,
              case .success(let security) = answerSecurity(for: offered, in: offer) else { return nil }
        let audio = options.codecs.filter { !$0.isTelephoneEvent }
        var chosen: RTPMap?, ours: CodecCapability?
        for pt in offered.payloadTypes {
            guard let map = offered.rtpMap(for: pt) else { continue }
            if let capability = audio.first(where: { $0.matches(map) }) {
                chosen = map
                ours = capability
                break
            }
        }
        guard let chosen, let ours else { return nil }
        var events: RTPMap?
        if options.telephoneEvents {
            let offeredEvents = offered.payloadTypes.compactMap { offered.rtpMap(for: $0) }
                .filter { $0.encoding.lowercased() == "telephone-event" }
            events = offeredEvents.first { $0.clockRate == chosen.clockRate } ?? offeredEvents.first
        }
        let remoteDirection = Self.remoteDirection(of: offered, in: offer)
        let direction = options.direction.intersected(withRemote: remoteDirection)
        var media = MediaDescription(type: "audio", port: options.port, proto: offered.proto,
                                     formats: [chosen.payloadType].map(String.init) + (events.map { [String($0.payloadType)] } ?? []))
        media.attributes.append(Attribute("rtpmap", chosen.attributeValue))
        // The offer's fmtp describes the offerer; the answer's, this side. A codec whose
        // parameters are declarative per side (Opus, RFC 7587 §7) answers with its own; others
        // echo the offer's.
        let fmtp = offered.formatParameters(for: chosen.payloadType)
        if let answered = ours.formatParameters ?? fmtp {
            media.attributes.append(Attribute("fmtp", "\(chosen.payloadType) \(answered)"))
        }
        if let events {
            media.attributes.append(Attribute("rtpmap", events.attributeValue))
            media.attributes.append(Attribute("fmtp", "\(events.payloadType) 0-16"))
        }
        appendCommonAttributes(to: &media, direction: direction,
                               explicitDirection: offered.direction != nil || offer.attributes.contains { Direction(rawValue: $0.name) != nil }
                                   || direction != .sendrecv,
                               packetTime: offered.packetTime.map { _ in options.packetTime ?? 20 })
        media.attributes += security.attributes
        var negotiated = result(for: offered, in: offer, codec: chosen, fmtp: fmtp, events: events, direction: direction)
        negotiated.security = security.negotiated
        return (media, negotiated)
    }

    private func appendCommonAttributes(to media: inout MediaDescription, direction: Direction, explicitDirection: Bool,
                                        packetTime: Int?) {
        if let packetTime { media.attributes.append(Attribute("ptime", String(packetTime))) }
        if let rtcp = options.rtcpPort, rtcp != options.port + 1 {
            media.attributes.append(Attribute("rtcp", String(rtcp)))
        }
        if explicitDirection { media.attributes.append(Attribute(direction.rawValue)) }
    }

    private func result(for media: MediaDescription, in session: SessionDescription, codec: RTPMap, fmtp: String?,
                        events: RTPMap?, direction wanted: Direction) -> NegotiatedAudio {
        let connection = media.connections.first ?? session.connection
        let remoteDirection = Self.remoteDirection(of: media, in: session)
        let rtcp = media.rtcp
        return NegotiatedAudio(
            codec: codec, formatParameters: fmtp, telephoneEvent: events,
            remoteAddress: rtcp?.address ?? connection?.address ?? "0.0.0.0",
            remotePort: media.port, remoteRTCPPort: rtcp?.port ?? media.port + 1,
            direction: wanted.intersected(withRemote: remoteDirection),
            packetTime: media.packetTime ?? 20,
            remoteHold: !remoteDirection.receives)
    }

    /// The direction the remote side declares, with RFC 2543 hold (`c=0.0.0.0`) read as "do not
    /// send to me" (RFC 3264 §8.4).
    static func remoteDirection(of media: MediaDescription, in session: SessionDescription) -> Direction {
        var direction = media.direction
            ?? session.attributes.lazy.compactMap { Direction(rawValue: $0.name.lowercased()) }.first
            ?? .sendrecv
        if (media.connections.first ?? session.connection)?.isNullAddress == true {
            direction = Direction(sends: direction.sends, receives: false)
        }
        return direction
    }

    private func mismatch(_ offer: SessionDescription) -> NegotiationError {
        let ours = options.codecs.filter { !$0.isTelephoneEvent }.map(\.description).joined(separator: ", ")
        let audio = offer.media.filter { $0.type.lowercased() == "audio" && $0.port != 0 }
        guard !audio.isEmpty else {
            let types = offer.media.map(\.type)
            return NegotiationError(warningCode: 304, reason: "offer had no audio stream"
                                    + (types.isEmpty ? "" : " (only \(types.joined(separator: ", ")))")
                                    + "; this pipeline handles \(ours)")
        }
        if audio.allSatisfy({ !$0.isRTP }) {
            return NegotiationError(warningCode: 302, reason: "offer had audio only over \(audio.map(\.proto).joined(separator: ", ")); "
                                    + "this side uses RTP")
        }
        let refusals = audio.compactMap { media -> NegotiationError? in
            if case .failure(let error) = answerSecurity(for: media, in: offer) { return error }
            return nil
        }
        if refusals.count == audio.count, let first = refusals.first { return first }
        let offered = audio.map(Self.describe).joined(separator: ", ")
        return NegotiationError(warningCode: 305, reason: "offer had only \(offered); this pipeline handles \(ours)")
    }

    /// The audio codecs of a media section (`opus/48000, G729/8000`), telephone-event and CN left out.
    static func describe(_ media: MediaDescription) -> String {
        let names = media.payloadTypes.map { pt -> String in
            guard let map = media.rtpMap(for: pt) else { return "payload type \(pt)" }
            return "\(map.encoding)/\(map.clockRate)" + (map.channels != 1 ? "/\(map.channels)" : "")
        }.filter { !$0.lowercased().hasPrefix("telephone-event") && !$0.hasPrefix("CN/") }
        return names.isEmpty ? "no audio codec" : names.joined(separator: ", ")
    }

    // MARK: - Versions

    private mutating func send(media: [MediaDescription]) -> SessionDescription {
        var description = SessionDescription(origin: origin, connection: Connection(address: options.address), media: media)
        if let lastSent {
            var previous = lastSent
            previous.origin = description.origin
            if previous != description { origin.sessionVersion += 1 }
        }
        description.origin = origin
        lastSent = description
        return description
    }
}
