/// `callwire load --svg FILE`: the run second by second, as a self-contained SVG document with
/// three stacked panels sharing the time axis: calls placed per second (bars), calls up at
/// once (line), and the setup time of the calls answered in each second (p50 and p95 lines).
struct LoadChart {
    var seconds: [LoadTally.Second]
    var title: String

    private let left = 70.0, plotWidth = 640.0, panelHeight = 130.0, gap = 40.0, top = 50.0

    var svg: String {
        let count = max(seconds.count, 1)
        let width = left + plotWidth + 30
        let height = top + 3 * (panelHeight + gap) + 10
        let step = plotWidth / Double(count)
        var parts = ["""
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="12" y="24" font-size="15" font-weight="bold">\(BenchChart.escaped(title))</text>
            """]
        func panel(_ index: Int, _ label: String, ceiling: Double) -> (Double) -> Double {
            let y0 = top + Double(index) * (panelHeight + gap)
            parts.append("<text x=\"12\" y=\"\(BenchChart.format(y0 - 8))\" fill=\"#333\">\(label)</text>")
            parts.append("<line x1=\"\(left)\" y1=\"\(y0 + panelHeight)\" x2=\"\(left + plotWidth)\" y2=\"\(y0 + panelHeight)\" stroke=\"#999\"/>")
            parts.append("<line x1=\"\(left)\" y1=\"\(y0)\" x2=\"\(left)\" y2=\"\(y0 + panelHeight)\" stroke=\"#999\"/>")
            for tick in 0...2 {
                let value = ceiling * Double(tick) / 2
                let y = y0 + panelHeight - panelHeight * Double(tick) / 2
                parts.append("<text x=\"\(left - 6)\" y=\"\(BenchChart.format(y + 4))\" text-anchor=\"end\" fill=\"#555\">"
                             + "\(BenchChart.format(value))</text>")
            }
            return { value in y0 + panelHeight - panelHeight * min(value / ceiling, 1) }
        }
        func polyline(_ points: [(Int, Double)], color: String) -> String {
            let text = points.map { "\(BenchChart.format(left + (Double($0.0) + 0.5) * step)),\(BenchChart.format($0.1))" }
            return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(text.joined(separator: " "))\"/>"
        }
        let rates = seconds.map { Double($0.started) }
        let rateY = panel(0, "calls placed per second", ceiling: BenchChart.niceCeiling(max(rates.max() ?? 1, 1)))
        for (i, rate) in rates.enumerated() where rate > 0 {
            let y = rateY(rate)
            parts.append("<rect x=\"\(BenchChart.format(left + Double(i) * step + 1))\" y=\"\(BenchChart.format(y))\" "
                         + "width=\"\(BenchChart.format(max(step - 2, 1)))\" height=\"\(BenchChart.format(rateY(0) - y))\" fill=\"#4a7ab7\"/>")
        }
        let active = seconds.map { Double($0.maxActive) }
        let activeY = panel(1, "calls up at once (most in each second)", ceiling: BenchChart.niceCeiling(max(active.max() ?? 1, 1)))
        parts.append(polyline(active.enumerated().map { ($0.offset, activeY($0.element)) }, color: "#2a9d5c"))
        let p50 = seconds.enumerated().compactMap { i, s in LoadTally.percentile(s.setups, 50).map { (i, $0 * 1_000) } }
        let p95 = seconds.enumerated().compactMap { i, s in LoadTally.percentile(s.setups, 95).map { (i, $0 * 1_000) } }
        let setupY = panel(2, "setup time, ms (p50 blue, p95 red) of the calls answered in each second",
                           ceiling: BenchChart.niceCeiling(max(p95.map(\.1).max() ?? 1, 0.1)))
        parts.append(polyline(p50.map { ($0.0, setupY($0.1)) }, color: "#4a7ab7"))
        parts.append(polyline(p95.map { ($0.0, setupY($0.1)) }, color: "#c0392b"))
        let axisY = top + 3 * (panelHeight + gap) - gap + 16
        for tick in 0...4 {
            let second = Double(count) * Double(tick) / 4
            parts.append("<text x=\"\(BenchChart.format(left + second * step))\" y=\"\(BenchChart.format(axisY))\" text-anchor=\"middle\" "
                         + "fill=\"#555\">\(BenchChart.format(second)) s</text>")
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }
}
