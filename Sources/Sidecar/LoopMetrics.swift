/// The request metrics of one event loop, as plain counters and histograms touched only on
/// that loop: recording one request costs a few dictionary updates and no lock.
/// `SidecarMetrics.exposition()` collects every loop's snapshot on its own loop and merges.
final class LoopMetrics {
    struct RequestSeries: Hashable, Sendable {
        var route: String
        var action: String
        var status: Int
        /// The `X-Sidecar-Error` code when the sidecar answered itself; nil for upstream answers.
        var errorCode: String?
    }

    /// The counters, mutated in place on the loop; a copy of them is a `Snapshot` that is
    /// safe to hand to another thread.
    var counters = Snapshot()

    struct Snapshot: Sendable {
        var inFlight = 0
        var requests: [RequestSeries: Int] = [:]
        var requestDurations: [String: DurationHistogram] = [:]
        var upstreamDurations: [String: DurationHistogram] = [:]
        var upstreamErrors: [String: Int] = [:]
        var upstreamRetries = 0
        var upstreamAttempts = 0

        mutating func add(_ other: Snapshot) {
            inFlight += other.inFlight
            requests.merge(other.requests, uniquingKeysWith: +)
            requestDurations.merge(other.requestDurations) { $0.adding($1) }
            upstreamDurations.merge(other.upstreamDurations) { $0.adding($1) }
            upstreamErrors.merge(other.upstreamErrors, uniquingKeysWith: +)
            upstreamRetries += other.upstreamRetries
            upstreamAttempts += other.upstreamAttempts
        }
    }
}

/// Cumulative Prometheus histogram buckets over durations.
struct DurationHistogram: Sendable {
    /// Upper bounds in nanoseconds: 5 ms … 30 s.
    static let bounds: [Int64] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000].map { $0 * 1_000_000 }

    /// Observations per bucket (not cumulative); the last entry is above every bound.
    private(set) var counts = [Int](repeating: 0, count: DurationHistogram.bounds.count + 1)
    private(set) var sumNanoseconds: Int64 = 0
    private(set) var count = 0

    mutating func record(nanoseconds: Int64) {
        var index = 0
        while index < DurationHistogram.bounds.count && nanoseconds > DurationHistogram.bounds[index] { index += 1 }
        counts[index] += 1
        sumNanoseconds += nanoseconds
        count += 1
    }

    func adding(_ other: DurationHistogram) -> DurationHistogram {
        var sum = self
        for index in counts.indices { sum.counts[index] += other.counts[index] }
        sum.sumNanoseconds += other.sumNanoseconds
        sum.count += other.count
        return sum
    }
}
