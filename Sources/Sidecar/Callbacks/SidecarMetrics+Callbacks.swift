import Prometheus

extension SidecarMetrics {
    /// Outcomes of `freedompay_sidecar_callbacks_total`: forwarded (first delivery), repeat,
    /// the refusals of `CallbackVerdict`, refused (any other 4xx), app_failed (502/504).
    static let callbackOutcomes = [
        "forwarded", "repeat", "signature_missing", "signature_invalid", "wrong_merchant", "refused", "app_failed",
    ]

    private static var callbacksDescriptor: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "freedompay", subsystem: "sidecar", metricName: "callbacks", unitName: "total",
            helpText: "Callbacks from Freedom Pay on the callback listener, by path and outcome.")
    }

    /// Callbacks are rare (a few per payment): they count on the shared registry, not per
    /// loop; the registry returns the same counter for the same path and outcome.
    func callbackFinished(path: String, outcome: String) {
        registry.makeCounter(descriptor: Self.callbacksDescriptor, labels: [("path", path), ("outcome", outcome)]).increment()
    }

    /// Every configured path's series exist from the start, at 0, so that an alert on
    /// refused signatures has a series to watch.
    func registerCallbacks(paths: [String]) {
        for path in paths {
            for outcome in SidecarMetrics.callbackOutcomes {
                _ = registry.makeCounter(descriptor: Self.callbacksDescriptor, labels: [("path", path), ("outcome", outcome)])
            }
        }
    }
}
