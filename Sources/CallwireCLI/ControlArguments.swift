import ArgumentParser
import Endpoint
import SIPDialog

/// Call control: transfer, session timers, reliable provisionals, keep-alives, and the ladder
/// diagram of each call.
struct ControlArguments: ParsableArguments {
    @Option(name: .customLong("accept-transfer"),
            help: "What a REFER (transfer) from the far end gets: yes (call the target), no (603), ask (/accept or /decline).")
    var acceptTransfer = "yes"
    @Option(name: .customLong("session-expires"),
            help: "RFC 4028 session interval asked for and granted at most, seconds (0: no session timers; else 90 to 86400).")
    var sessionExpires = 1_800
    @Option(name: .customLong("100rel"),
            help: "Reliable provisional responses (RFC 3262): no, supported (PRACK when asked), required (Require: 100rel).")
    var reliableProvisionals = "supported"
    @Option(help: "Seconds between RFC 5626 CRLF keep-alives on a TCP/TLS flow to the registrar (0: none).")
    var keepalive = 90
    @Option(name: .customLong("options-ping"),
            help: "Send OPTIONS to the proxy, registrar or --to peer every S seconds; report when it stops answering (0: off).")
    var optionsPing = 0.0
    @Option(help: "Write the SIP ladder diagram (SVG) of every call to this file on exit.")
    var ladder: String?
    @Option(help: ArgumentHelp("Serve Prometheus metrics of the calls (started, ended, active, setup time, MOS, loss) at http://HOST:PORT/metrics.",
                               valueName: "HOST:PORT"))
    var metrics: String?
}

extension CallerOptions {
    /// Adds the call-control options.
    /// - Throws: ``CallerError/usage(_:)`` naming the bad value.
    mutating func apply(_ control: ControlArguments) throws(CallerError) {
        guard let policy = TransferPolicy(rawValue: control.acceptTransfer.lowercased()) else {
            throw .usage("--accept-transfer must be yes, no or ask, got '\(control.acceptTransfer)'")
        }
        acceptTransfer = policy
        guard let reliable = ReliableProvisionals(rawValue: control.reliableProvisionals.lowercased()) else {
            throw .usage("--100rel must be no, supported or required, got '\(control.reliableProvisionals)'")
        }
        reliableProvisionals = reliable
        sessionExpires = control.sessionExpires
        keepAlive = control.keepalive
        optionsPing = control.optionsPing
        if control.ladder != nil || events == .json { reportSIPMessages = true }
        try validate()
    }
}
