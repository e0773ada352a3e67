import ArgumentParser
import Endpoint
import Foundation
import SDP
import SIPCore
import SIPTransport

/// The rtclite caller's options, grouped as its help groups them, with the same names and
/// defaults. Both `--opt=value` and `--opt value` work (ArgumentParser takes both).
struct NetworkArguments: ParsableArguments {
    @Option(name: .customLong("int-ip"), help: "Listening IP address for SIP and RTP.")
    var intIP = "0.0.0.0"
    @Option(name: .customLong("ext-ip"),
            help: "IP address to advertise in SIP/SDP (behind NAT, e.g. on EC2). Default: --int-ip if given, else \(CallerDefaults.localAddress).")
    var extIP: String?
    @Option(name: .customLong("transport"), help: "Transports to listen on, comma separated: udp, tcp, tls. The first is used for requests.")
    var transport = "udp"
    @Option(help: "SIP listening port for UDP/TCP (0: any free port); TLS uses port+1 beside others.")
    var port = 5092
    @Option(name: .customLong("listen-queue"), help: "Listen queue (backlog) for TCP.")
    var listenQueue = 5
    @Option(name: .customLong("max-size"), help: "Largest datagram accepted; larger ones are dropped and logged.")
    var maxSize = 4096
    @Flag(name: .customLong("fix-nat"), help: "Trust the packet's source over a private Contact and SDP address.")
    var fixNAT = false
    @Option(help: "DNS server for RFC 3263 (NAPTR/SRV/A) lookups, HOST[:PORT]. Default: the system's.")
    var nameserver: String?
    @Option(name: .customLong("tls-cert"), help: "Certificate chain (PEM) to listen on TLS.")
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "Private key (PEM) for --tls-cert.")
    var tlsKey: String?
    @Option(name: .customLong("tls-ca"), help: "Trust these CA certificates (PEM) instead of the system roots.")
    var tlsCA: String?
}

struct SIPArguments: ParsableArguments {
    @Option(name: .customLong("user-agent"), help: "User-Agent header of INVITE and MESSAGE (empty: none).")
    var userAgent = ""
    @Option(help: "Subject header of INVITE and MESSAGE (empty: none).")
    var subject = ""
    @Option(help: "User name in my SIP address and Contact.")
    var user = CallerDefaults.login
    @Option(help: "Domain of my SIP address; the registrar unless --proxy is given.")
    var domain = CallerDefaults.hostname
    @Option(help: "Outbound proxy as host[:port] (empty: none).")
    var proxy = ""
    @Flag(name: .customLong("strict-route"), help: "The proxy is a strict router (RFC 2543) instead of loose (;lr).")
    var strictRoute = false
    @Option(help: "User name for digest authentication.")
    var authuser = ""
    @Option(help: "Password for digest authentication (with --authuser).")
    var authpass = ""
    @Option(help: "Whom to call or message, e.g. '\"Henry Sinnreich\" <sip:henry@iptel.org>'.")
    var to: String?
    @Option(help: "The Request-URI when it differs from --to, e.g. sip:henry@iptel.org.")
    var uri: String?
    @Flag(help: "Wait for incoming calls and messages (with or without --register).")
    var listen = false
    @Flag(help: "REGISTER with the SIP server of --domain (or --proxy); without --to it implies --listen.")
    var register = false
    @Option(name: .customLong("register-interval"), help: "Registration Expires, seconds.")
    var registerInterval = 3600
    @Option(name: .customLong("retry-interval"), help: "Seconds before registering again after a failure.")
    var retryInterval = 60
    @Option(help: "Send this text in a MESSAGE to --to instead of calling; typed lines follow it.")
    var send = ""
    @Option(name: .customLong("auto-respond"), help: "Answer incoming calls and messages with this code (2xx accepts; 0: no answer).")
    var autoRespond = 200
    @Option(name: .customLong("auto-respond-after"), help: "Seconds of ringing before accepting an incoming call.")
    var autoRespondAfter = 3.0
    @Option(name: .customLong("auto-terminate-after"), help: "Seconds after which an accepted incoming call is hung up (0: never).")
    var autoTerminateAfter = 0.0
    @Flag(name: .customLong("use-lf"), help: "Use LF line endings in SIP and SDP instead of CRLF.")
    var useLF = false
    @Option(name: .customLong("max-calls"), help: "Calls up at once, in and out; one more incoming call gets 486 Busy Here.")
    var maxCalls = 1
}

struct MediaArguments: ParsableArguments {
    @Flag(name: .customLong("no-sdp"), help: "Send the INVITE without an offer (the ACK answers the 200's offer).")
    var noSDP = false
    @Flag(name: .customLong("no-audio"), help: "No sound card: send silence, discard what arrives (SDP unchanged).")
    var noAudio = false
    @Flag(name: .customLong("audio-loopback"), help: "Send back the audio that is received.")
    var audioLoopback = false
    @Option(help: "Sound card rate for capture and playback.")
    var samplerate = 44_100
    @Flag(name: .customLong("no-touchtone"), help: "Do not offer or send DTMF for typed digits.")
    var noTouchtone = false
    @Flag(help: "Print what the far end says (pocketsphinx).")
    var recognize = false
    @Flag(help: "Speak typed text into the call (flite); typed digits stay DTMF.")
    var textspeech = false
    @Option(help: "The call's pipeline: a file or the text itself (replaces the one the flags above choose).")
    var pipeline: String?
    @Flag(name: .customLong("show-pipeline"), help: "Print the pipeline these options choose and exit.")
    var showPipeline = false
    @Option(name: .customLong("dtmf-mode"),
            help: "How typed digits go out: rfc4733 (telephone-event packets), info (SIP INFO, dtmf-relay) or inband (tones).")
    var dtmfMode = "rfc4733"
    @Option(help: """
        Record each call to this stereo WAV: left what is sent, right what is received. Fields make one file \
        per call: %i Call-ID, %p peer's user, %t start (YYYYmmdd-HHMMSS), %n call number, %d in/out, %% a %.
        """)
    var record: String?
    @Option(help: "Send this sound file instead of the microphone.")
    var play: String?
    @Option(help: "Hang up a call after this many seconds (0: no limit).")
    var duration = 0.0
    @Option(help: "Offer only these codecs, in this order, e.g. PCMU,speex/16000.")
    var codecs = ""
    @Option(help: ArgumentHelp("Media encryption (SRTP): off, optional (encrypted when the peer can) or mandatory.",
                               valueName: "off|optional|mandatory"))
    var srtp = "optional"
    @Option(name: .customLong("srtp-keying"),
            help: ArgumentHelp("How offers agree SRTP keys: sdes (a=crypto in the SDP) or dtls (DTLS-SRTP).", valueName: "sdes|dtls"))
    var srtpKeying = "sdes"
    @Option(name: .customLong("dtls-cert"),
            help: ArgumentHelp("PEM file with the certificate and key for DTLS-SRTP (default: self-signed, made at start-up).",
                               valueName: "file"))
    var dtlsCert: String?
    @Option(help: "Output: text (log lines) or json (one object per line; logs go to stderr).")
    var events = "text"
}

extension CallerOptions {
    /// Options from the parsed command line.
    /// - Throws: ``CallerError/usage(_:)`` naming the bad value.
    init(verbose: Bool, quiet: Bool, network n: NetworkArguments, sip s: SIPArguments, media m: MediaArguments) throws(CallerError) {
        self.init()
        self.verbose = verbose
        self.quiet = quiet
        intIP = n.intIP
        extIP = n.extIP
        transports = try n.transport.split(separator: ",").map { token throws(CallerError) in
            guard let kind = SIPTransportKind(token: token.trimmingCharacters(in: .whitespaces)) else {
                throw .usage("--transport: unknown transport '\(token)' (use udp, tcp or tls)")
            }
            return kind
        }
        port = n.port
        listenQueue = n.listenQueue
        maxSize = n.maxSize
        fixNAT = n.fixNAT
        nameserver = n.nameserver
        tlsCertificate = n.tlsCert
        tlsKey = n.tlsKey
        tlsCA = n.tlsCA
        userAgent = s.userAgent
        subject = s.subject
        user = s.user
        domain = s.domain
        proxy = s.proxy
        strictRoute = s.strictRoute
        authUser = s.authuser
        authPass = s.authpass
        if let text = s.to {
            guard let address = try? NameAddress.parse(text), text.contains(":") else {
                throw .usage("--to '\(text)' is not a SIP address: give a scheme, e.g. sip:\(text)@example.com or tel:\(text)")
            }
            to = address
        }
        if let text = s.uri {
            guard let parsed = try? SIPURI.parse(text) else { throw .usage("--uri '\(text)' is not a SIP URI such as sip:bob@example.com") }
            uri = parsed
        }
        listen = s.listen || (s.register && s.to == nil)
        register = s.register
        registerInterval = s.registerInterval
        retryInterval = s.retryInterval
        send = s.send
        autoRespond = s.autoRespond
        autoRespondAfter = s.autoRespondAfter
        autoTerminateAfter = s.autoTerminateAfter
        useLF = s.useLF
        maxCalls = s.maxCalls
        guard let mode = Call.DTMFMode(rawValue: m.dtmfMode.lowercased()) else {
            throw .usage("--dtmf-mode must be rfc4733, info or inband, got '\(m.dtmfMode)'")
        }
        dtmfMode = mode
        sdp = !m.noSDP
        audio = !m.noAudio
        audioLoopback = m.audioLoopback
        sampleRate = m.samplerate == 0 ? 44_100 : m.samplerate
        touchtone = !m.noTouchtone
        recognize = m.recognize
        textspeech = m.textspeech
        if let source = m.pipeline {
            if FileManager.default.fileExists(atPath: source) {
                guard let text = try? String(contentsOfFile: source, encoding: .utf8) else {
                    throw .media("cannot read the pipeline file \(source)")
                }
                pipeline = text
                pipelineName = source
            } else if source.contains("!") || source.contains("@") {
                pipeline = source
            } else {
                throw .media("--pipeline: no such file \(source) (and it is not pipeline text)")
            }
        }
        if m.pipeline != nil && (m.record != nil || m.play != nil) {
            throw .usage("--record and --play shape the shipped pipelines; with --pipeline, put a wav-recorder or wav-player in it")
        }
        record = m.record
        play = m.play
        duration = m.duration
        codecs = m.codecs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let policy = MediaSecurity.Policy(rawValue: m.srtp.lowercased()) else {
            throw .usage("--srtp must be off, optional or mandatory, got '\(m.srtp)'")
        }
        guard let keying = MediaSecurity.Keying(rawValue: m.srtpKeying.lowercased()) else {
            throw .usage("--srtp-keying must be sdes or dtls, got '\(m.srtpKeying)'")
        }
        srtp = policy
        srtpKeying = keying
        dtlsCertificate = m.dtlsCert
        guard let format = EventFormat(rawValue: m.events) else { throw .usage("--events must be text or json, got '\(m.events)'") }
        events = format
    }
}
