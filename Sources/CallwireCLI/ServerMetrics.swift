import CallwireMetrics
import Registrar

/// `callwire server --metrics`: the server's counters and table sizes as Prometheus families.
enum ServerMetrics {
    /// The families of one server's statistics.
    static func families(_ statistics: ServerStatistics) -> [MetricFamily] {
        [
            .single("callwire_server_requests_total", .counter, "SIP requests received (after the rate limit).", Double(statistics.requests)),
            .single("callwire_server_final_responses_total", .counter, "Final responses sent upstream, made here or relayed.",
                    Double(statistics.finalResponses)),
            .single("callwire_server_rate_limited_total", .counter, "Requests dropped by --rate-limit.", Double(statistics.rateLimited)),
            .single("callwire_server_auth_failures_total", .counter, "Failed digest authentications.",
                    Double(statistics.authenticationFailures)),
            .single("callwire_server_auth_refused_total", .counter, "Requests refused unchecked: source or user banned by --auth-fail-limit.",
                    Double(statistics.authenticationRefused)),
            .single("callwire_server_malformed_total", .counter, "Datagrams that did not parse.", Double(statistics.malformed)),
            .single("callwire_server_overloaded_total", .counter, "Requests refused because a table was full (503).",
                    Double(statistics.overloaded)),
            .single("callwire_server_bindings", .gauge, "Registered contacts held.", Double(statistics.bindings)),
            .single("callwire_server_transactions", .gauge, "SIP transactions alive.", Double(statistics.transactions)),
            .single("callwire_server_proxy_contexts", .gauge, "Proxied requests waiting for a final response.", Double(statistics.proxyContexts)),
            .single("callwire_server_workers", .gauge, "Event loops doing SIP work.", Double(statistics.workers)),
        ]
    }
}
