import Foundation
import SIPCore
import SIPDialog
import SIPTransport
import Testing

/// Where the test bundle's sibling executables are.
func builtExecutable(_ name: String) throws -> String {
    let bundle = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
    let path = bundle.deletingLastPathComponent().appendingPathComponent(name).path
    guard FileManager.default.isExecutableFile(atPath: path) else { throw SetupError("\(name) is not built at \(path)") }
    return path
}

func tool(_ name: String) throws -> String {
    for directory in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
        return "\(directory)/\(name)"
    }
    throw SetupError("\(name) is not installed; run `make deps`")
}

@discardableResult
func shell(_ script: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

@Suite("SIP under loss, and over TLS", .serialized, .timeLimit(.minutes(5)))
struct LossAndTLSTests {
    @Test("in a network namespace dropping 20% of UDP packets at random, 50 calls all complete by retransmission")
    func lossyNetwork() throws {
        let agent = try builtExecutable("sip-agent")
        let unshare = try tool("unshare"), nft = try tool("nft"), ip = try tool("ip")
        // Everything runs inside a fresh network namespace (loopback only); nftables drops 20% of
        // the UDP datagrams to either agent (this kernel has no netem qdisc).
        let script = """
            set -e
            \(ip) link set lo up
            \(nft) add table inet loss
            \(nft) add chain inet loss in '{ type filter hook input priority 0; }'
            \(nft) add rule inet loss in udp dport '{ 5070, 5080 }' numgen random mod 100 '<' 20 counter drop
            \(agent) answer --port 5070 --duration 170 > /dev/null 2>&1 &
            ANSWER=$!
            # ready when port 5070 (0x13CE) is bound; at most 20 s
            i=0; until grep -q ':13CE ' /proc/net/udp; do i=$((i+1)); [ $i -lt 400 ] || exit 3; sleep 0.05; done
            \(agent) call --to 127.0.0.1:5070 --port 5080 --count 50 --concurrency 10
            kill $ANSWER
            \(nft) list ruleset | grep -o 'counter packets [0-9]*'
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("loss-\(UUID()).sh")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let result = try shell("\(unshare) -n sh \(file.path)")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("completed 50 of 50 call(s)"), "\(result.output)")
        let dropped = result.output.split(separator: " ").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        #expect(dropped > 20, "the rule really dropped packets: \(dropped)")
    }

    /// A test CA and a server certificate for 127.0.0.1 and localhost, made with openssl.
    func certificates() throws -> (ca: String, cert: String, key: String, otherCA: String) {
        let openssl = try tool("openssl")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            cd \(directory)
            \(openssl) req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=Callwire Test CA' 2>/dev/null
            \(openssl) req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 -subj '/CN=Someone Else' 2>/dev/null
            \(openssl) req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=localhost' 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext
            \(openssl) x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext 2>/dev/null
            """
        let result = try shell(script)
        guard result.status == 0 else { throw SetupError("openssl failed: \(result.output)") }
        return ("\(directory)/ca.pem", "\(directory)/server.pem", "\(directory)/server.key", "\(directory)/other.pem")
    }

    @Test("a call over TLS with a certificate from the test CA succeeds; with an untrusted one it fails and says so")
    func tls() async throws {
        let files = try certificates()
        var serverOptions = TransportOptions(listeners: [.init(kind: .tls, host: "127.0.0.1", port: 0)])
        serverOptions.tlsCertificate = files.cert
        serverOptions.tlsKey = files.key
        let serverTransport = try await SIPNetworkTransport.start(serverOptions)
        let bob = TestAgent.make(serverTransport, kind: .tls, user: "bob")

        for (ca, shouldWork) in [(files.ca, true), (files.otherCA, false)] {
            var clientOptions = TransportOptions(listeners: [.init(kind: .tcp, host: "127.0.0.1", port: 0)])
            clientOptions.tlsTrustedCAs = ca
            let clientTransport = try await SIPNetworkTransport.start(clientOptions)
            let alice = TestAgent.make(clientTransport, kind: .tcp, user: "alice")
            let uri = SIPURI(scheme: .sips, user: "bob", host: "127.0.0.1", port: bob.address.port)
            let destination = SIPDestination(kind: .tls, host: "127.0.0.1", port: bob.address.port, serverName: "localhost")
            let (call, outcome) = await alice.agent.invite(uri, from: NameAddress(uri: SIPURI(user: "alice", host: "127.0.0.1")),
                                                           to: NameAddress(uri: uri), destination: destination)
            if shouldWork {
                guard case .established = outcome else {
                    Issue.record("TLS call with a trusted certificate failed: \(outcome)")
                    continue
                }
                await alice.agent.hangUp(call)
            } else {
                guard case .failed(let status, let reason) = outcome else {
                    Issue.record("TLS call with an untrusted certificate succeeded")
                    continue
                }
                #expect(status == 503)
                #expect(reason.contains("not trusted"), "\(reason)")
            }
            await clientTransport.close()
        }
        await serverTransport.close()
    }
}
