import ArgumentParser
import Endpoint
import Foundation

/// `callwire ladder EVENTS.jsonl > call.svg`: the ladder diagram of each call in a saved
/// `--events json` stream.
struct LadderCommand: EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "ladder",
        abstract: "Draw the SIP ladder diagram (SVG) of each call in a saved --events json stream.",
        discussion: """
        Reads the sip_message lines of a `callwire --events json` run (other lines are skipped) and \
        prints an SVG: the parties as columns, each request and response as an arrow with its \
        method or status and CSeq, the time since the call's first message on the left, and the \
        SDP's codec and direction (hold) or a NOTIFY's sipfrag beside its arrow. `callwire \
        --ladder FILE.svg` writes the same picture when the run ends.

          callwire --to sip:bob@127.0.0.1:5062 --events json > events.jsonl
          callwire ladder events.jsonl > call.svg
        """)

    @Argument(help: "The JSON lines file (- for standard input).")
    var events: String

    @Option(name: .shortAndLong, help: "Write the SVG to this file instead of standard output.")
    var output: String?

    func execute(in environment: CLIEnvironment) async throws -> Int32 {
        let data: Data
        if events == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: events) else {
                throw CommandFailure.error("cannot read \(events)")
            }
            data = contents
        }
        var records: [SIPMessageRecord] = []
        for (index, line) in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).enumerated() {
            guard line.contains("\"sip_message\"") else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let record = Self.record(object) else {
                throw CommandFailure.error("\(events):\(index + 1): not a sip_message event with call, direction, method, cseq, local, remote and at")
            }
            records.append(record)
        }
        guard !records.isEmpty else {
            throw CommandFailure.error("\(events) has no sip_message events (record them with callwire --events json)")
        }
        let svg = LadderDiagram(records: records).svg()
        if let output {
            do {
                try svg.write(toFile: output, atomically: true, encoding: .utf8)
            } catch {
                throw CommandFailure.error("cannot write \(output): \(error)")
            }
        } else {
            environment.out(svg)
        }
        return ExitStatus.success
    }

    /// A record from a `sip_message` JSON object.
    static func record(_ object: [String: Any]) -> SIPMessageRecord? {
        guard object["event"] as? String == "sip_message", let call = object["call"] as? String,
              let direction = object["direction"] as? String, direction == "sent" || direction == "received",
              let method = object["method"] as? String, let cseq = object["cseq"] as? String, let local = object["local"] as? String,
              let remote = object["remote"] as? String, let at = (object["at"] as? NSNumber)?.doubleValue,
              (0...1e9).contains(at) else { return nil }   // seconds into the run; anything else is not ours
        return SIPMessageRecord(call: call, sent: direction == "sent", method: method, status: (object["status"] as? NSNumber)?.intValue,
                                reason: object["reason"] as? String, cseq: cseq, local: local, remote: remote,
                                sdp: object["sdp"] as? String, note: object["note"] as? String, at: at)
    }
}
