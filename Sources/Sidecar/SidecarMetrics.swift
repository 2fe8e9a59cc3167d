import MerchantAPI
import Prometheus
import SocketLoop

/// The sidecar's metrics. Per-request series are plain counters on each event loop
/// (`LoopMetrics`), merged when `/metrics` is scraped; the rare ones (build info, key
/// reloads) live on a Prometheus registry of their own, so tests and several instances in
/// one process do not share counters.
public final class SidecarMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let perLoop: LoopLocal<LoopMetrics>
    private let keyReloadSuccesses: Prometheus.Counter
    private let keyReloadFailures: Prometheus.Counter
    /// Merchant API answers by what their `pg_sig` check found (`X-FreedomPay-Signature`).
    private let merchantAnswerSignatures: [PGSignatureCheck: Prometheus.Counter]

    /// `upstream` labels the build info: `sandbox` for the emulator, else the upstream's host.
    public init(version: String, upstream: String, loops: EventLoopGroup) {
        perLoop = LoopLocal(loops) { _ in LoopMetrics() }
        let buildInfo = MetricNameDescriptor(
            namespace: "freedompay", subsystem: "sidecar", metricName: "build", unitName: "info",
            helpText: "Always 1; the labels say which version runs and which upstream it talks to (sandbox or the host).")
        registry.makeGauge(descriptor: buildInfo, labels: [("version", version), ("upstream", upstream)]).record(Int64(1))
        // Series that alerts watch exist from the start, at 0.
        let keyReloads = MetricNameDescriptor(
            namespace: "freedompay", subsystem: "sidecar", metricName: "key_reloads", unitName: "total",
            helpText: "Key file reloads (SIGHUP or a changed file) by result; a failure keeps the previous key.")
        keyReloadSuccesses = registry.makeCounter(descriptor: keyReloads, labels: [("result", "success")])
        keyReloadFailures = registry.makeCounter(descriptor: keyReloads, labels: [("result", "failure")])
        let answerSignatures = MetricNameDescriptor(
            namespace: "freedompay", subsystem: "sidecar", metricName: "merchant_answer_signatures", unitName: "total",
            helpText: "Merchant API answers by their pg_sig check: verified, invalid or absent (X-FreedomPay-Signature).")
        var byResult: [PGSignatureCheck: Prometheus.Counter] = [:]
        for result in PGSignatureCheck.allCases {
            byResult[result] = registry.makeCounter(descriptor: answerSignatures, labels: [("result", result.rawValue)])
        }
        merchantAnswerSignatures = byResult
    }

    // MARK: Recording, on the request's loop

    func requestStarted(on loop: EventLoop) {
        perLoop[loop].counters.inFlight += 1
    }

    func requestFinished(on loop: EventLoop, route: String, action: String, status: Int, errorCode: String?, duration: Duration) {
        let metrics = perLoop[loop]
        metrics.counters.inFlight -= 1
        metrics.counters.requests[
            LoopMetrics.RequestSeries(route: route, action: action, status: status, errorCode: errorCode), default: 0] += 1
        metrics.counters.requestDurations[route, default: DurationHistogram()].record(nanoseconds: duration.nanoseconds)
    }

    func upstreamFinished(on loop: EventLoop, route: String, duration: Duration) {
        perLoop[loop].counters.upstreamDurations[route, default: DurationHistogram()].record(nanoseconds: duration.nanoseconds)
    }

    func upstreamFailed(on loop: EventLoop, kind: String) {
        perLoop[loop].counters.upstreamErrors[kind, default: 0] += 1
    }

    /// Every attempt of one exchange, successful or not.
    func upstreamAttempted(on loop: EventLoop, attempts: Int) {
        let metrics = perLoop[loop]
        metrics.counters.upstreamAttempts += attempts
        metrics.counters.upstreamRetries += max(0, attempts - 1)
    }

    /// One Merchant API answer's `pg_sig` check.
    func merchantAnswerChecked(_ result: PGSignatureCheck) {
        merchantAnswerSignatures[result]?.increment()
    }

    func keyReloaded(success: Bool) {
        (success ? keyReloadSuccesses : keyReloadFailures).increment()
    }

    // MARK: Exposition

    /// The Prometheus text exposition: every loop's counters, read on that loop, merged.
    public func exposition() async -> [UInt8] {
        var total = LoopMetrics.Snapshot()
        for (loop, metrics) in perLoop.all {
            total.add(await Self.snapshot(of: metrics, on: loop))
        }
        return Self.render(total) + registry.emitToBuffer()
    }

    private static func snapshot(of metrics: LoopMetrics, on loop: EventLoop) async -> LoopMetrics.Snapshot {
        await withCheckedContinuation { continuation in
            let box = UncheckedLoopMetrics(metrics)
            loop.execute { continuation.resume(returning: box.metrics.counters) }
        }
    }

    private static func render(_ metrics: LoopMetrics.Snapshot) -> [UInt8] {
        var text = PrometheusText()
        text.family("freedompay_sidecar_requests_in_flight", type: "gauge", help: "Requests being answered now.")
        text.sample("freedompay_sidecar_requests_in_flight", [], String(metrics.inFlight))
        text.family(
            "freedompay_sidecar_requests_total", type: "counter",
            help:
                "Answered requests by route, action, status and source (upstream: Freedom Pay's answer; sidecar: its own, with the X-Sidecar-Error code)."
        )
        let series = metrics.requests.sorted {
            ($0.key.route, $0.key.action, $0.key.status, $0.key.errorCode ?? "") < (
                $1.key.route, $1.key.action, $1.key.status, $1.key.errorCode ?? ""
            )
        }
        for (series, count) in series {
            var labels = [("route", series.route), ("action", series.action), ("status", String(series.status))]
            if let code = series.errorCode {
                labels += [("source", "sidecar"), ("code", code)]
            } else {
                labels.append(("source", "upstream"))
            }
            text.sample("freedompay_sidecar_requests_total", labels, String(count))
        }
        text.family("freedompay_sidecar_request_duration_seconds", type: "histogram", help: "Time from a complete request to its answer.")
        for (route, histogram) in metrics.requestDurations.sorted(by: { $0.key < $1.key }) {
            text.histogram("freedompay_sidecar_request_duration_seconds", labels: [("route", route)], histogram)
        }
        text.family(
            "freedompay_sidecar_upstream_duration_seconds", type: "histogram", help: "Time of the upstream exchange, retries included.")
        for (route, histogram) in metrics.upstreamDurations.sorted(by: { $0.key < $1.key }) {
            text.histogram("freedompay_sidecar_upstream_duration_seconds", labels: [("route", route)], histogram)
        }
        text.family(
            "freedompay_sidecar_upstream_errors_total", type: "counter", help: "Upstream exchanges that ended without an answer, by kind.")
        for (kind, count) in metrics.upstreamErrors.sorted(by: { $0.key < $1.key }) {
            text.sample("freedompay_sidecar_upstream_errors_total", [("kind", kind)], String(count))
        }
        text.family("freedompay_sidecar_upstream_retries_total", type: "counter", help: "Upstream attempts beyond the first.")
        text.sample("freedompay_sidecar_upstream_retries_total", [], String(metrics.upstreamRetries))
        text.family(
            "freedompay_sidecar_upstream_attempts_total", type: "counter",
            help: "Upstream attempts, first ones and retries, answered or not.")
        text.sample("freedompay_sidecar_upstream_attempts_total", [], String(metrics.upstreamAttempts))
        return text.bytes
    }
}

/// Carries a loop's metrics object to that loop's queue, where alone it is read.
private struct UncheckedLoopMetrics: @unchecked Sendable {
    let metrics: LoopMetrics
    init(_ metrics: LoopMetrics) { self.metrics = metrics }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
