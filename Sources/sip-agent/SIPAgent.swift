import ArgumentParser
import Foundation
import NIOPosix
import SIPCore
import SIPDialog
import SIPTransport

/// `sip-agent`: a bare SIP user agent on Callwire's SIP layers, with no media. It answers or
/// places calls in bulk, for interop and loss tests (`callwire` is the product; this is its
/// SIP stack alone).
@main
struct SIPAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sip-agent",
        abstract: "Answer or place SIP calls with no media (a test peer built on Callwire's SIP stack).",
        subcommands: [Answer.self, Call.self])

    struct Network: ParsableArguments {
        @Option(help: "udp, tcp or tls.") var transport = "udp"
        @Option(help: "Address to listen on.") var host = "127.0.0.1"
        @Option(help: "Port to listen on (0: any).") var port = 0
        @Option(help: "TLS certificate chain (PEM), to listen on TLS.") var tlsCert: String?
        @Option(help: "TLS private key (PEM).") var tlsKey: String?
        @Option(help: "Trust this CA (PEM) instead of the system roots.") var tlsCa: String?

        var kind: SIPTransportKind { SIPTransportKind(token: transport) ?? .udp }

        func start() async throws -> SIPNetworkTransport {
            var options = TransportOptions(listeners: [.init(kind: kind, host: host, port: port)])
            options.tlsCertificate = tlsCert
            options.tlsKey = tlsKey
            options.tlsTrustedCAs = tlsCa
            return try await SIPNetworkTransport.start(options)
        }

        func agent(_ transport: SIPNetworkTransport, user: String, answering: SIPUserAgent.Answering) -> SIPUserAgent {
            let address = transport.listening[0]
            let stack = SIPStack(transport: transport, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), advertised: address)
            var options = SIPUserAgent.Options(user: user)
            options.answering = answering
            options.answer = { _, _ in Array("v=0\r\no=- 1 1 IN IP4 \(address.host)\r\ns=-\r\nc=IN IP4 \(address.host)\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n".utf8) }
            return SIPUserAgent(stack: stack, options: options)
        }
    }

    struct Answer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Answer every call (200 OK) until stopped or --duration.")
        @OptionGroup var network: Network
        @Option(help: "Stop after this many seconds (0: run until killed).") var duration = 0.0

        func run() async throws {
            let transport = try await network.start()
            let agent = network.agent(transport, user: "service", answering: .accept(after: .zero))
            // Unbuffered, so a parent reading the pipe sees it at once.
            FileHandle.standardOutput.write(Data("listening on \(transport.listening[0])\n".utf8))
            if duration > 0 {
                try await Task.sleep(for: .seconds(duration))
            } else {
                while true { try await Task.sleep(for: .seconds(3_600)) }
            }
            print("answered \(agent.answered) call(s)")
            await transport.close()
        }
    }

    struct Call: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Place calls: INVITE, ACK, BYE each; exit 0 when all complete.")
        @OptionGroup var network: Network
        @Option(help: "The peer as host:port.") var to: String
        @Option(help: "The name the peer's TLS certificate carries.") var serverName: String?
        @Option(help: "How many calls.") var count = 1
        @Option(help: "How many at once.") var concurrency = 1

        func run() async throws {
            let parts = to.split(separator: ":")
            guard parts.count == 2, let peerPort = Int(parts[1]) else { throw ValidationError("--to must be host:port, got '\(to)'") }
            let transport = try await network.start()
            let agent = network.agent(transport, user: "caller", answering: .reject(status: 486))
            let target = SIPDestination(kind: network.kind, host: String(parts[0]), port: peerPort, serverName: serverName)
            let uri = SIPURI(scheme: network.kind == .tls ? .sips : .sip, user: "service", host: String(parts[0]), port: peerPort)
            let results = await withTaskGroup(of: String?.self) { group in
                var next = 0, failures: [String] = []
                func add() {
                    guard next < count else { return }
                    next += 1
                    group.addTask {
                        let (call, outcome) = await agent.invite(uri, from: NameAddress(uri: SIPURI(user: "caller", host: network.host)),
                                                                 to: NameAddress(uri: uri), destination: target)
                        guard case .established = outcome else { return "\(outcome)" }
                        await agent.hangUp(call)
                        return nil
                    }
                }
                for _ in 0..<concurrency { add() }
                for await failure in group {
                    if let failure { failures.append(failure) }
                    add()
                }
                return failures
            }
            print("completed \(count - results.count) of \(count) call(s)")
            for failure in results.prefix(5) { print("failed: \(failure)") }
            await transport.close()
            if !results.isEmpty { throw ExitCode(2) }
        }
    }
}
