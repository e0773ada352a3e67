/// A horizontal bar chart of per-node cost, as a self-contained SVG document.
///
/// One bar per node at its median µs per frame, a whisker from the minimum to the maximum run,
/// and the value printed at the bar's end. No scripts, no external fonts: it opens anywhere.
struct BenchChart {
    var result: BenchResult

    private let rowHeight = 28.0, labelWidth = 240.0, plotWidth = 520.0, top = 56.0

    var svg: String {
        let rows = result.nodes
        let largest = max(rows.map(\.microseconds.max).max() ?? 0, 0.001)
        let scale = plotWidth / Self.niceCeiling(largest)
        let height = top + Double(rows.count) * rowHeight + 48
        let width = labelWidth + plotWidth + 110
        var parts: [String] = []
        parts.append("""
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
        viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="13">
        <rect width="100%" height="100%" fill="white"/>
        <text x="12" y="22" font-size="15" font-weight="bold">\(Self.escaped(result.pipeline))</text>
        <text x="12" y="42" fill="#555">µs per \(Int(result.periodMicroseconds / 1000)) ms frame, median of \(result.runs) run(s) \
        (whiskers: min–max); whole graph \(Self.format(result.wall.median)) µs, ≈ \(result.callsPerCore) per core</text>
        """)
        for (i, row) in rows.enumerated() {
            let y = top + Double(i) * rowHeight
            let barWidth = max(1, row.microseconds.median * scale)
            let low = labelWidth + row.microseconds.min * scale, high = labelWidth + row.microseconds.max * scale
            let middle = y + rowHeight / 2
            parts.append("""
            <text x="\(Int(labelWidth - 8))" y="\(Self.format(middle + 4))" text-anchor="end">\
            \(Self.escaped(row.name)) <tspan fill="#777">(\(Self.escaped(row.type)))</tspan></text>
            <rect x="\(Int(labelWidth))" y="\(Self.format(y + 5))" width="\(Self.format(barWidth))" \
            height="\(Self.format(rowHeight - 10))" fill="#4a7ab7"/>
            <line x1="\(Self.format(low))" y1="\(Self.format(middle))" x2="\(Self.format(high))" \
            y2="\(Self.format(middle))" stroke="#222" stroke-width="1.5"/>
            <text x="\(Self.format(max(labelWidth + barWidth, high) + 6))" y="\(Self.format(middle + 4))">\
            \(Self.format(row.microseconds.median)) µs</text>
            """)
        }
        let axisY = top + Double(rows.count) * rowHeight + 6
        parts.append("<line x1=\"\(Int(labelWidth))\" y1=\"\(Self.format(axisY))\" x2=\"\(Int(labelWidth + plotWidth))\" "
                     + "y2=\"\(Self.format(axisY))\" stroke=\"#999\"/>")
        let ceiling = Self.niceCeiling(largest)
        for step in 0...4 {
            let value = ceiling * Double(step) / 4
            let x = labelWidth + value * scale
            parts.append("<text x=\"\(Self.format(x))\" y=\"\(Self.format(axisY + 18))\" text-anchor=\"middle\" "
                         + "fill=\"#555\">\(Self.format(value))</text>")
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }

    /// The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `value`.
    static func niceCeiling(_ value: Double) -> Double {
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        while magnitude > value { magnitude /= 10 }
        for factor in [1.0, 2, 2.5, 5, 10] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }

    static func format(_ value: Double) -> String {
        if value >= 100 { return String(Int(value.rounded())) }
        return String((value * 10).rounded() / 10)
    }

    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
