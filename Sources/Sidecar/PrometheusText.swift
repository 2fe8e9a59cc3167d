/// Writes the per-loop request metrics in the Prometheus text format (version 0.0.4).
struct PrometheusText {
    private(set) var bytes: [UInt8] = []

    mutating func family(_ name: String, type: String, help: String) {
        line("# HELP \(name) \(help)")
        line("# TYPE \(name) \(type)")
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: String) {
        var text = name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(PrometheusText.escaped($0.1))\"" }.joined(separator: ",") + "}"
        }
        line(text + " " + value)
    }

    mutating func histogram(_ name: String, labels: [(String, String)], _ histogram: DurationHistogram) {
        var cumulative = 0
        for (index, bound) in DurationHistogram.bounds.enumerated() {
            cumulative += histogram.counts[index]
            sample(name + "_bucket", labels + [("le", PrometheusText.seconds(bound))], String(cumulative))
        }
        sample(name + "_bucket", labels + [("le", "+Inf")], String(histogram.count))
        sample(name + "_sum", labels, PrometheusText.seconds(histogram.sumNanoseconds))
        sample(name + "_count", labels, String(histogram.count))
    }

    private mutating func line(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Seconds with up to nine decimals, without trailing zeros ("0.005", "2.5", "30").
    static func seconds(_ nanoseconds: Int64) -> String {
        let whole = nanoseconds / 1_000_000_000
        var fraction = String(nanoseconds % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? String(whole) : "\(whole).\(fraction)"
    }

    /// Label values escape backslash, double quote and line feed.
    static func escaped(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
