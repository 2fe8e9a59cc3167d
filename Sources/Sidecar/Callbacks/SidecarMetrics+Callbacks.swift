import CoreMetrics

extension SidecarMetrics {
    /// Outcomes of `freedompay_sidecar_callbacks_total`: forwarded (first delivery), repeat,
    /// the refusals of `CallbackVerdict`, refused (any other 4xx), app_failed (502/504).
    static let callbackOutcomes = [
        "forwarded", "repeat", "signature_missing", "signature_invalid", "wrong_merchant", "refused", "app_failed",
    ]

    /// Callbacks are rare (a few per payment): they count on the shared registry, not per loop.
    func callbackFinished(path: String, outcome: String) {
        Counter(label: "freedompay_sidecar_callbacks_total", dimensions: [("path", path), ("outcome", outcome)], factory: factory)
            .increment()
    }

    /// Every configured path's series exist from the start, at 0, so that an alert on
    /// refused signatures has a series to watch.
    func registerCallbacks(paths: [String]) {
        for path in paths {
            for outcome in SidecarMetrics.callbackOutcomes {
                Counter(label: "freedompay_sidecar_callbacks_total", dimensions: [("path", path), ("outcome", outcome)], factory: factory)
                    .increment(by: 0)
            }
        }
    }
}
