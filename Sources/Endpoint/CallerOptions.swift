public import SDP
public import SIPCore
public import SIPDialog
public import SIPTransport

/// Everything a ``Caller`` does, named as the rtclite caller manual names its options (the
/// seed's `default_options()`), plus Callwire's own (`pipeline`, `record`, `play`, …).
///
/// ```swift
/// var options = CallerOptions()
/// options.to = try NameAddress.parse("sip:bob@127.0.0.1:5062")
/// options.audio = false
/// let caller = try await Caller(options)
/// let status = await caller.wait()
/// await caller.close()
/// ```
public struct CallerOptions: Sendable {
    /// How events reach the program's output.
    public enum EventFormat: String, Sendable { case text, json }

    // MARK: Logging
    /// `-v`: log at DEBUG, with every SIP message sent and received.
    public var verbose = false
    /// `-q`: only critical lines (wins over `verbose`, as in the seed).
    public var quiet = false

    // MARK: Network
    /// `--int-ip`: where SIP and RTP listen.
    public var intIP = "0.0.0.0"
    /// `--ext-ip`: the address advertised in Via, Contact and SDP (nil: `intIP` unless it is a
    /// wildcard, else the first local interface).
    public var extIP: String?
    /// `--transport`: the listening transports; the first is used for outgoing requests.
    public var transports: [SIPTransportKind] = [.udp]
    /// `--port`: the SIP port (0: any free port, advertised as bound). TLS listens on port+1
    /// when it is one of several transports.
    public var port = 5092
    /// `--listen-queue`: the TCP backlog.
    public var listenQueue = 5
    /// `--max-size`: the largest datagram accepted; larger ones are dropped with a log line.
    public var maxSize = 4096
    /// `--fix-nat`: trust the packet source over a private Contact (and SDP address).
    public var fixNAT = false
    /// `--nameserver HOST[:PORT]`: the DNS server for RFC 3263 lookups (nil: the system's).
    public var nameserver: String?
    /// `--tls-cert`, `--tls-key`: this side's certificate chain and key (PEM) for TLS.
    public var tlsCertificate: String?, tlsKey: String?
    /// `--tls-ca`: trust these CAs (PEM) instead of the system roots.
    public var tlsCA: String?

    // MARK: SIP
    /// `--user-agent`: the User-Agent of INVITE and MESSAGE (empty: none).
    public var userAgent = ""
    /// `--subject`: the Subject of INVITE and MESSAGE (empty: none).
    public var subject = ""
    /// `--user`: the user part of our address.
    public var user = CallerDefaults.login
    /// `--domain`: the host part of our address, and the registrar without `proxy`.
    public var domain = CallerDefaults.hostname
    /// `--proxy`: the outbound proxy, `host[:port]` (empty: none).
    public var proxy = ""
    /// `--strict-route`: the proxy is a strict router.
    public var strictRoute = false
    /// `--authuser`, `--authpass`: Digest credentials.
    public var authUser = "", authPass = ""
    /// The password of every user calls are placed as (`callwire load --user-range`): a
    /// challenge to a request from user U is answered as U with it.
    public var userPassword: String?
    /// `--to`: whom to call or message.
    public var to: NameAddress?
    /// `--uri`: the Request-URI when it differs from `to`.
    public var uri: SIPURI?
    /// `--listen`: accept calls and messages.
    public var listen = false
    /// `--register`: register our address with the domain's registrar.
    public var register = false
    /// `--register-interval`: the Expires we ask for, seconds.
    public var registerInterval = 3600
    /// `--retry-interval`: seconds before registering again after a failure.
    public var retryInterval = 60
    /// `--send`: send this text in a MESSAGE instead of calling.
    public var send = ""
    /// `--auto-respond`: the answer to calls and messages (2xx accepts, 0 never answers).
    public var autoRespond = 200
    /// `--auto-respond-after`: seconds of ringing before a call is accepted.
    public var autoRespondAfter = 3.0
    /// `--auto-terminate-after`: seconds after which an accepted incoming call is hung up (0: never).
    public var autoTerminateAfter = 0.0
    /// `--use-lf`: LF line endings in SIP and SDP for peers that need them.
    public var useLF = false
    /// `--max-calls`: how many calls may be up at once; one more incoming call gets 486 Busy Here.
    public var maxCalls = 1

    // MARK: Media
    /// Not `--no-sdp`: the INVITE carries an offer (else the answer's offer is answered in the ACK).
    public var sdp = true
    /// Not `--no-audio`: use the sound card.
    public var audio = true
    /// `--audio-loopback`: send back what is received.
    public var audioLoopback = false
    /// `--samplerate`: the sound card's rate.
    public var sampleRate = 44_100
    /// Not `--no-touchtone`: offer telephone-event, send typed digits, report received ones.
    public var touchtone = true
    /// `--dtmf-mode`: how typed digits go out (RFC 4733 events, SIP INFO, or in-band tones).
    public var dtmfMode = Call.DTMFMode.rfc4733
    /// `--recognize`: print what the far end says.
    public var recognize = false
    /// `--textspeech`: speak typed text into the call.
    public var textspeech = false
    /// `--pipeline`: the call's pipeline text, replacing the one the flags choose.
    public var pipeline: String?
    /// The name of `pipeline` in diagnostics (its file, or `<pipeline>` for inline text).
    public var pipelineName = "<pipeline>"
    /// `--record FILE`: a stereo WAV of the call, left what was sent, right what was received.
    /// `%` fields make one file per call (`calls/%i.wav`, see ``CallFields``).
    public var record: String?
    /// `--play FILE`: send this sound file instead of the microphone.
    public var play: String?
    /// `--duration`: hang up a call after this many seconds (0: no limit).
    public var duration = 0.0
    /// `--codecs`: offer only these codecs, in this order (`PCMU,speex/16000`; empty: all).
    public var codecs: [String] = []
    /// `--srtp`: media encryption off, optional (encrypted when the peer can; the default) or
    /// mandatory (no call without it).
    public var srtp = MediaSecurity.Policy.optional
    /// `--srtp-keying`: how this side's offers agree keys — `sdes` (`a=crypto`, as safe as the
    /// signalling) or `dtls` (DTLS-SRTP on the media path). Answers follow the offer.
    public var srtpKeying = MediaSecurity.Keying.sdes
    /// `--dtls-cert`: a PEM file with the certificate and private key for DTLS-SRTP (default: a
    /// self-signed certificate made at start-up).
    public var dtlsCertificate: String?
    /// `--events`: human log lines or JSON objects.
    public var events = EventFormat.text

    // MARK: Call control
    /// `--accept-transfer`: what a REFER from the far end gets (RFC 3515).
    public var acceptTransfer = TransferPolicy.yes
    /// `--session-expires`: the RFC 4028 session interval asked for and granted at most,
    /// seconds (0: no session timers; otherwise at least 90).
    public var sessionExpires = 1_800
    /// `--100rel`: reliable provisional responses (RFC 3262).
    public var reliableProvisionals = ReliableProvisionals.supported
    /// `--keepalive`: seconds between RFC 5626 CRLF keep-alives on a TCP or TLS flow to the
    /// registrar (0: none).
    public var keepAlive = 90
    /// `--options-ping`: seconds between OPTIONS sent to the proxy, the registrar or the peer
    /// to learn it still answers (0: none).
    public var optionsPing = 0.0
    /// Report every SIP message sent and received as a ``CallerEvent/sipMessage(_:)`` event
    /// (`--events json`, `--ladder`).
    public var reportSIPMessages = false

    /// The seed's defaults.
    public init() {}

    /// The address advertised in Via, Contact and SDP.
    public var advertisedAddress: String {
        if let extIP, !extIP.isEmpty { return extIP }
        if intIP != "0.0.0.0" && intIP != "::" { return intIP }
        return CallerDefaults.localAddress
    }

    /// Our address of record, `sip:user@domain`.
    public var addressOfRecord: SIPURI {
        var uri = SIPURI(user: user, host: domain)
        if let colon = domain.lastIndex(of: ":"), !domain.hasPrefix("["), let port = Int(domain[domain.index(after: colon)...]) {
            uri = SIPURI(user: user, host: String(domain[..<colon]), port: port)
        }
        return uri
    }

    /// What the caller does, checked before anything is sent.
    /// - Throws: ``CallerError/usage(_:)`` naming the option at fault.
    public func validate() throws(CallerError) {
        if to == nil && !listen && !register {
            throw .usage("must supply --to option with the target SIP address (or --listen to wait for calls)")
        }
        if let to, ![.sip, .sips, .tel].contains(to.uri.scheme) {
            throw .usage("--to must be a SIP address such as sip:bob@example.com")
        }
        if !(0...65_535).contains(port) { throw .usage("--port must be 0…65535, got \(port)") }
        if !(0...699).contains(autoRespond) || (1...99).contains(autoRespond) {
            throw .usage("--auto-respond must be 0 or a SIP status code 100…699, got \(autoRespond)")
        }
        if registerInterval < 0 { throw .usage("--register-interval must not be negative") }
        if transports.isEmpty { throw .usage("--transport needs at least one of udp, tcp, tls") }
        if maxCalls < 1 { throw .usage("--max-calls must be at least 1, got \(maxCalls)") }
        if sessionExpires != 0 && !(90...86_400).contains(sessionExpires) {
            throw .usage("--session-expires must be 0 (off) or 90 to 86400 seconds (RFC 4028 §4), got \(sessionExpires)")
        }
        if keepAlive < 0 { throw .usage("--keepalive must not be negative, got \(keepAlive)") }
        if !(0...86_400).contains(optionsPing) {
            throw .usage("--options-ping must be 0 (off) to 86400 seconds, got \(optionsPing)")
        }
    }
}
