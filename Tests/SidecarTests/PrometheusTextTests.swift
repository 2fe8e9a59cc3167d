import Testing
@testable import Sidecar

@Suite struct PrometheusTextTests {
    @Test(arguments: [(Int64(5_000_000), "0.005"), (2_500_000_000, "2.5"), (30_000_000_000, "30"), (1, "0.000000001"), (0, "0")])
    func secondsWithoutTrailingZeros(nanoseconds: Int64, text: String) {
        #expect(PrometheusText.seconds(nanoseconds) == text)
    }

    @Test func labelValuesEscapeBackslashQuoteAndNewline() {
        #expect(PrometheusText.escaped("a\\b\"c\nd") == #"a\\b\"c\nd"#)
    }

    @Test func histogramBucketsAreCumulativeAndEndInInf() {
        var histogram = DurationHistogram()
        histogram.record(nanoseconds: 1_000_000)  // ≤ 5 ms
        histogram.record(nanoseconds: 7_000_000)  // ≤ 10 ms
        histogram.record(nanoseconds: 60_000_000_000)  // above every bound
        var text = PrometheusText()
        text.histogram("h", labels: [("route", "/r")], histogram)
        let lines = String(decoding: text.bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.first == #"h_bucket{route="/r",le="0.005"} 1"#)
        #expect(lines[1] == #"h_bucket{route="/r",le="0.01"} 2"#)
        #expect(lines.contains(#"h_bucket{route="/r",le="30"} 2"#))
        #expect(lines.contains(#"h_bucket{route="/r",le="+Inf"} 3"#))
        #expect(lines.contains(#"h_sum{route="/r"} 60.008"#))
        #expect(lines.last == #"h_count{route="/r"} 3"#)
    }

    @Test func snapshotsOfSeveralLoopsAddUp() {
        var first = LoopMetrics.Snapshot()
        first.requests[LoopMetrics.RequestSeries(route: "/r", action: "a", status: 200)] = 2
        first.upstreamRetries = 1
        var second = LoopMetrics.Snapshot()
        second.requests[LoopMetrics.RequestSeries(route: "/r", action: "a", status: 200)] = 3
        second.upstreamErrors["timeout"] = 1
        first.add(second)
        #expect(first.requests[LoopMetrics.RequestSeries(route: "/r", action: "a", status: 200)] == 5)
        #expect(first.upstreamErrors == ["timeout": 1])
        #expect(first.upstreamRetries == 1)
    }
}
