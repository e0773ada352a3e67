import Synchronization

/// Where a program's metrics come from at scrape time: collectors, each a function that reads
/// its component's counters and returns families. Nothing is kept between scrapes, so the
/// registry holds no state that grows.
public final class MetricsRegistry: Sendable {
    private let collectors = Mutex<[@Sendable () -> [MetricFamily]]>([])

    /// Creates an empty registry.
    public init() {}

    /// Adds a collector (called on every scrape, from any thread).
    public func register(_ collector: @escaping @Sendable () -> [MetricFamily]) {
        collectors.withLock { $0.append(collector) }
    }

    /// Every collector's families, in registration order.
    public func collect() -> [MetricFamily] {
        collectors.withLock { $0 }.flatMap { $0() }
    }

    /// The text exposition of ``collect()``.
    public func exposition() -> String { PrometheusText.encode(collect()) }
}
