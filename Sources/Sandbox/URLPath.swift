enum URLPath {
    /// The path of `scheme://authority/path?query`.
    static func of(_ url: String) -> String {
        // The standard library's `firstRange(of:)`: Foundation's `range(of:)` would link all of
        // Foundation, and with it ICU, into the binary.
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return "/" }
        return String(rest[slash...].prefix { $0 != "?" })
    }
}
