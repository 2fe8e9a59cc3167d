import CoreMetrics
import Prometheus

/// The sidecar's metrics, on its own Prometheus registry (so tests and several instances
/// in one process do not share counters).
public final class SidecarMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let inFlight: Meter

    public init(version: String) {
        var factory = PrometheusMetricsFactory(registry: registry)
        let buckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                   .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30)]
        factory.defaultDurationHistogramBuckets = buckets
        self.factory = factory
        inFlight = Meter(label: "freedompay_sidecar_requests_in_flight", factory: factory)
        Gauge(label: "freedompay_sidecar_build_info", dimensions: [("version", version)], factory: factory).record(1)
        // Series that alerts watch exist from the start, at 0.
        for result in ["success", "failure"] {
            Counter(label: "freedompay_sidecar_key_reloads_total", dimensions: [("result", result)], factory: factory).increment(by: 0)
        }
        inFlight.set(0)
    }

    func requestStarted() { inFlight.increment() }

    func requestFinished(route: String, action: String, status: Int, duration: Duration) {
        inFlight.decrement()
        Counter(label: "freedompay_sidecar_requests_total", dimensions: [("route", route), ("action", action), ("status", String(status))], factory: factory).increment()
        CoreMetrics.Timer(label: "freedompay_sidecar_request_duration_seconds", dimensions: [("route", route)], factory: factory).recordNanoseconds(duration.nanoseconds)
    }

    func upstreamFinished(route: String, duration: Duration) {
        CoreMetrics.Timer(label: "freedompay_sidecar_upstream_duration_seconds", dimensions: [("route", route)], factory: factory).recordNanoseconds(duration.nanoseconds)
    }

    func upstreamFailed(kind: String) {
        Counter(label: "freedompay_sidecar_upstream_errors_total", dimensions: [("kind", kind)], factory: factory).increment()
    }

    func upstreamRetried(count: Int) {
        guard count > 0 else { return }
        Counter(label: "freedompay_sidecar_upstream_retries_total", factory: factory).increment(by: count)
    }

    func keyReloaded(success: Bool) {
        Counter(label: "freedompay_sidecar_key_reloads_total", dimensions: [("result", success ? "success" : "failure")], factory: factory).increment()
    }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
