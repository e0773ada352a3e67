import Endpoint

/// The SIP sequence ("ladder") diagram of each call, as SVG: the parties as columns, every
/// request and response an arrow labelled with its method or status and CSeq, the time since
/// the call's first message on the left, and what an SDP body says (codec, direction, hold) or
/// a sipfrag reports beside its arrow — the picture sngrep or Wireshark's VoIP flow give.
///
/// Calls are the Call-IDs that carry an INVITE, one section each, in the order they began.
struct LadderDiagram {
    /// One call's messages.
    struct CallFlow {
        var callID: String
        var records: [SIPMessageRecord]
        /// Column addresses: ours first, then the far ones in the order they appear.
        var parties: [String]
    }

    let calls: [CallFlow]

    init(records: [SIPMessageRecord]) {
        var order: [String] = []
        var byCall: [String: [SIPMessageRecord]] = [:]
        for record in records {
            if byCall[record.call] == nil { order.append(record.call) }
            byCall[record.call, default: []].append(record)
        }
        calls = order.compactMap { id -> CallFlow? in
            guard let list = byCall[id], list.contains(where: { $0.method == "INVITE" }) else { return nil }
            var parties: [String] = []
            for record in list where !parties.contains(record.local) { parties.append(record.local) }
            for record in list where !parties.contains(record.remote) { parties.append(record.remote) }
            return CallFlow(callID: id, records: list, parties: parties)
        }
    }

    // MARK: Layout

    private static let timeColumn = 90.0, columnWidth = 250.0, rowHeight = 34.0, headerHeight = 64.0, sectionGap = 40.0
    private static let margin = 20.0

    private var width: Double {
        Self.margin * 2 + Self.timeColumn + Double(max(calls.map(\.parties.count).max() ?? 2, 2)) * Self.columnWidth
    }

    private func height(of flow: CallFlow) -> Double { Self.headerHeight + Double(flow.records.count + 1) * Self.rowHeight }

    /// The diagram as an SVG document.
    func svg() -> String {
        let total = Self.margin * 2 + calls.map { height(of: $0) + Self.sectionGap }.reduce(0, +) + (calls.isEmpty ? 40 : 0)
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Self.number(width))" height="\(Self.number(total))" \
            viewBox="0 0 \(Self.number(width)) \(Self.number(total))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
            <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">\
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>
            <rect x="0" y="0" width="100%" height="100%" fill="#ffffff"/>

            """
        if calls.isEmpty {
            out += "<text x=\"\(Self.margin)\" y=\"40\">No calls: no INVITE among the SIP messages.</text>\n"
        }
        var top = Self.margin
        for (index, flow) in calls.enumerated() {
            out += section(flow, number: index + 1, top: top)
            top += height(of: flow) + Self.sectionGap
        }
        return out + "</svg>\n"
    }

    private func x(ofColumn column: Int) -> Double {
        Self.margin + Self.timeColumn + Self.columnWidth * (Double(column) + 0.5)
    }

    private func section(_ flow: CallFlow, number: Int, top: Double) -> String {
        var out = "<g class=\"call\">\n"
        out += "<text x=\"\(Self.margin)\" y=\"\(Self.number(top + 14))\" font-size=\"14\" font-weight=\"bold\">"
            + "Call \(number): \(Self.escape(flow.callID))</text>\n"
        let bottom = top + height(of: flow)
        for (column, party) in flow.parties.enumerated() {
            let center = x(ofColumn: column)
            let label = column == 0 ? "callwire \(party)" : party
            out += "<rect x=\"\(Self.number(center - 95))\" y=\"\(Self.number(top + 24))\" width=\"190\" height=\"24\" rx=\"4\" "
                + "fill=\"\(column == 0 ? "#dbe9f6" : "#eeeeee")\" stroke=\"#555\"/>\n"
            out += "<text x=\"\(Self.number(center))\" y=\"\(Self.number(top + 40))\" text-anchor=\"middle\">\(Self.escape(label))</text>\n"
            out += "<line x1=\"\(Self.number(center))\" y1=\"\(Self.number(top + 48))\" x2=\"\(Self.number(center))\" "
                + "y2=\"\(Self.number(bottom))\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n"
        }
        let start = flow.records.first?.at ?? 0
        var previous: SIPMessageRecord?
        for (row, record) in flow.records.enumerated() {
            let y = top + Self.headerHeight + Double(row + 1) * Self.rowHeight
            let local = flow.parties.firstIndex(of: record.local) ?? 0
            let remote = flow.parties.firstIndex(of: record.remote) ?? 1
            let (from, to) = record.sent ? (local, remote) : (remote, local)
            let (x1, x2) = (x(ofColumn: from), x(ofColumn: to))
            let color = record.status == nil ? "#1f4e8c" : ((record.status ?? 0) >= 300 ? "#b02a2a" : "#2e7d32")
            out += "<text x=\"\(Self.margin)\" y=\"\(Self.number(y))\" fill=\"#555\">+\(Self.seconds(record.at - start)) s</text>\n"
            out += "<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y))\" "
                + "stroke=\"\(color)\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>\n"
            var label = record.status.map { "\($0) \(record.reason ?? "")" } ?? record.method
            label += "  (\(record.cseq))"
            if let previous, previous.sent == record.sent, previous.method == record.method, previous.status == record.status,
               previous.cseq == record.cseq, previous.remote == record.remote {
                label += " again"
            }
            out += "<text x=\"\(Self.number((x1 + x2) / 2))\" y=\"\(Self.number(y - 5))\" text-anchor=\"middle\" fill=\"\(color)\">"
                + "\(Self.escape(label))</text>\n"
            let notes = [record.sdp.map { "SDP: " + $0 }, record.note].compactMap { $0 }
            if !notes.isEmpty {
                let hold = record.sdp?.hasSuffix(" hold") ?? false
                out += "<text x=\"\(Self.number((x1 + x2) / 2))\" y=\"\(Self.number(y + 13))\" text-anchor=\"middle\" font-size=\"10\" "
                    + "font-style=\"italic\" fill=\"\(hold ? "#c05600" : "#555")\">\(Self.escape(notes.joined(separator: " · ")))</text>\n"
            }
            previous = record
        }
        return out + "</g>\n"
    }

    // MARK: Text

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // XML 1.0 has no other control characters.
                if let scalar = character.unicodeScalars.first, scalar.value < 0x20 { out += " " } else { out.append(character) }
            }
        }
        return out
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format3(value))
    }

    private static func format3(_ value: Double) -> String {
        let scaled = Int((value * 10).rounded())
        return "\(scaled / 10).\(abs(scaled % 10))"
    }

    private static func seconds(_ value: Double) -> String {
        let milliseconds = Int((max(value, 0) * 1_000).rounded())
        let fraction = String(milliseconds % 1_000)
        return "\(milliseconds / 1_000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
