import Foundation
import NIOCore
import NIOEmbedded
@testable import Registrar
import SIPCore
import SIPTransport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// 100,000 calls through one proxy worker on virtual time (an embedded event loop; every
/// message serialized and parsed as on the wire): the work per 1,000 calls must not grow with
/// the calls already made.
///
/// The work is counted, not timed, so the check cannot flake on a loaded machine: every table
/// entry the server's timer wheels and expiry queues touch (armed, cancelled, moved, fired),
/// plus every message in and out. A table scanned on every request (the old loop-detection
/// filter, NIO's heap cancellation) shows up here as work growing with the table. Thread CPU
/// time per block is printed beside it, for information.
@Suite("Steady cost under load", .serialized, .timeLimit(.minutes(10)))
struct SteadyCostTests {
    static let proxy = SIPDestination(kind: .udp, host: "127.0.0.1", port: 5060)
    static let uas = SIPDestination(kind: .udp, host: "127.0.0.1", port: 5070)
    static let uac = SIPDestination(kind: .udp, host: "127.0.0.1", port: 5080)

    /// A proxy worker on an embedded loop, with what it sends collected.
    final class Bench {
        let loop = EmbeddedEventLoop()
        let worker: ServerWorker
        var outbox: [(SIPMessage, SIPDestination)] = []
        var messages = 0

        init() {
            let state = ServerState(options: SIPServer.Options(), listening: [SteadyCostTests.proxy], advertised: SteadyCostTests.proxy,
                                    now: Double(loop.now.uptimeNanoseconds) / 1e9)
            worker = ServerWorker(index: 0, eventLoop: loop, advertised: SteadyCostTests.proxy, state: state)
            worker.stack.transmit = { [unowned self] message, destination, _ in
                outbox.append((message, destination))
                messages += 1
            }
            worker.start()
            loop.run()
        }

        /// Sends `text` (CRLF line ends added) from `source` and returns what the proxy sent.
        func send(_ text: String, from source: SIPDestination) -> [(SIPMessage, SIPDestination)] {
            messages += 1
            worker.receive(datagram: Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8), from: source)
            loop.run()
            defer { outbox.removeAll(keepingCapacity: true) }
            return outbox
        }

        /// Sends a message from `source` as bytes.
        func send(_ message: SIPMessage, from source: SIPDestination) -> [(SIPMessage, SIPDestination)] {
            messages += 1
            worker.receive(datagram: message.serialized(), from: source)
            loop.run()
            defer { outbox.removeAll(keepingCapacity: true) }
            return outbox
        }

        /// The callee registers as `sip:service@localhost` at the uas address; returns the answers.
        func registerService(tag: String = "r1") -> [(SIPMessage, SIPDestination)] {
            send("""
                REGISTER sip:127.0.0.1:5060 SIP/2.0
                Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-\(tag)
                From: <sip:service@localhost>;tag=\(tag)
                To: <sip:service@localhost>
                Call-ID: register-\(tag)@127.0.0.1
                CSeq: 1 REGISTER
                Contact: <sip:service@127.0.0.1:5070>;expires=7200
                Max-Forwards: 70
                Content-Length: 0


                """, from: SteadyCostTests.uas)
        }

        /// The work units so far: wheel and queue entries touched, messages in and out.
        var work: Int {
            worker.stack.wheel.visited + worker.timerC.visited + worker.state.location.withLock { $0.expiryWork } + messages
        }
    }

    /// Call `number`'s Call-ID and From, as sipp's uac writes them.
    static func callID(_ number: Int) -> String { "call-\(number)@127.0.0.1" }
    static func from(_ number: Int) -> String { "<sip:sipp@127.0.0.1:5080>;tag=f\(number)" }

    /// Call `number`'s INVITE from sipp's uac to the proxy's address.
    static func invite(_ number: Int) -> String {
        """
        INVITE sip:service@127.0.0.1:5060 SIP/2.0
        Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-i\(number)
        From: \(from(number))
        To: <sip:service@127.0.0.1:5060>
        Call-ID: \(callID(number))
        CSeq: 1 INVITE
        Contact: <sip:sipp@127.0.0.1:5080>
        Max-Forwards: 70
        Content-Length: 0


        """
    }

    /// One call as sipp's built-in uac and uas make it: INVITE to the proxy's address, 180 and
    /// 200 from the callee, ACK and BYE to the proxy's address again (no Route), 200 for the BYE.
    /// - Returns: whether the caller got its 200 for the INVITE and for the BYE.
    static func call(_ number: Int, through bench: Bench) -> Bool {
        let out = bench.send(invite(number), from: uac)
        guard let forwardedInvite = out.first(where: { $0.1 == uas })?.0 else { return false }
        var answers: [(SIPMessage, SIPDestination)] = []
        for status in [180, 200] {
            var response = SIPMessage.response(to: forwardedInvite, status: status, toTag: "t\(number)")
            response.headers.add(.contact, "<sip:service@127.0.0.1:5070>")
            for route in forwardedInvite.headers.values(.recordRoute) { response.headers.add(.recordRoute, route) }
            answers += bench.send(response, from: uas)
        }
        guard answers.contains(where: { $0.1 == uac && $0.0.status == 200 }) else { return false }
        let to = "<sip:service@127.0.0.1:5060>;tag=t\(number)"
        let ack = bench.send("""
            ACK sip:service@127.0.0.1:5060 SIP/2.0
            Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-a\(number)
            From: \(from(number))
            To: \(to)
            Call-ID: \(callID(number))
            CSeq: 1 ACK
            Max-Forwards: 70
            Content-Length: 0


            """, from: uac)
        guard ack.contains(where: { $0.1 == uas && $0.0.method == .ack }) else { return false }
        let bye = bench.send("""
            BYE sip:service@127.0.0.1:5060 SIP/2.0
            Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-b\(number)
            From: \(from(number))
            To: \(to)
            Call-ID: \(callID(number))
            CSeq: 2 BYE
            Max-Forwards: 70
            Content-Length: 0


            """, from: uac)
        guard let forwarded = bye.first(where: { $0.1 == uas })?.0 else { return false }
        let ok = bench.send(SIPMessage.response(to: forwarded, status: 200), from: uas)
        return ok.contains { $0.1 == uac && $0.0.status == 200 }
    }

    static func threadCPUNanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    @Test("100,000 calls at 200 calls/s of virtual time: the work per 1,000 calls at the end is within 10 % of the start")
    func steadyCost() throws {
        let bench = Bench()
        let register = bench.registerService()
        #expect(register.first?.0.status == 200, "the callee registers as sip:service@localhost")
        let calls = 100_000, block = 1_000, rate = 200
        var work: [Int] = [], cpu: [Int64] = [], failed = 0
        var lastWork = bench.work, lastCPU = Self.threadCPUNanoseconds()
        var peakTransactions = 0
        for number in 0..<calls {
            if !Self.call(number, through: bench) { failed += 1 }
            bench.loop.advanceTime(by: .nanoseconds(1_000_000_000 / Int64(rate)))
            if number % block == block - 1 {
                let nowWork = bench.work, nowCPU = Self.threadCPUNanoseconds()
                work.append(nowWork - lastWork)
                cpu.append(nowCPU - lastCPU)
                (lastWork, lastCPU) = (nowWork, nowCPU)
                peakTransactions = max(peakTransactions, bench.worker.stack.transactionCount)
            }
        }
        #expect(failed == 0, "\(failed) of \(calls) calls failed")
        // The start is the first block after the tables filled: a finished call's transactions
        // linger 32 s (Timers J, L, M: 64·T1), i.e. 6,400 calls at 200 calls/s; before that no
        // entry has expired yet and expiry work has not begun.
        let warm = (32 * rate + block - 1) / block + 1
        let start = Double(work[warm]), end = Double(work[work.count - 1])
        print("work per 1,000 calls: first \(work[0]), start (block \(warm)) \(Int(start)), end \(Int(end)) — end/start \(end / start)")
        print("thread CPU per 1,000 calls: first \(cpu[0] / 1_000_000) ms, start \(cpu[warm] / 1_000_000) ms, end \(cpu[cpu.count - 1] / 1_000_000) ms"
              + " — end/start \(Double(cpu[cpu.count - 1]) / Double(cpu[warm])) (information, not checked)")
        #expect(abs(end / start - 1) <= 0.10, "work per 1,000 calls: start \(start), end \(end)")
        #expect(work[warm...].allSatisfy { abs(Double($0) / start - 1) <= 0.10 }, "every block after the start: \(work[warm...])")
        // Bounded tables: the transactions alive are the last 32 s of calls (4 per call), not all of them.
        #expect(peakTransactions <= 33 * rate * 4, "peak transactions \(peakTransactions)")
        #expect(bench.worker.contexts.isEmpty, "every proxied request was answered and forgotten")
        #expect(bench.worker.timerC.count == 0, "every Timer C was cancelled")
        // One record per live transaction, and none left once every transaction has ended.
        #expect(bench.worker.stack.recordCount == bench.worker.stack.transactionCount)
        for _ in 0..<40 { bench.loop.advanceTime(by: .seconds(1)) }
        #expect(bench.worker.stack.transactionCount == 0)
        #expect(bench.worker.stack.recordCount == 0)
        #expect(bench.worker.stack.wheel.count == 0)
    }
}
