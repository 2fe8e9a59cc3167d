/// `FREEDOMPAY_*` environment variables the sidecar does not know are errors, as unknown
/// flags are: compose files and Kubernetes manifests configure it through the environment,
/// and a misspelled name (`FREEDOMPAY_LOGLEVEL`) would otherwise be silently ignored.
enum EnvironmentNames {
    static let prefix = "FREEDOMPAY_"

    /// One error per unknown name, with a did-you-mean when a known name is close. Not
    /// errors: a route's `keyEnv`, and the service-link variables Kubernetes injects for a
    /// Service whose name starts with `freedompay` (`isServiceLink`).
    static func unknown(in environment: [String: String], routes: RouteTable, callbacks: [CallbackRoute] = []) -> [String] {
        let known = Set(Setting.all.compactMap(\.environment))
        var allowed = known
        for credentials in routes.routes.map(\.credentials) + callbacks.map(\.credentials) {
            if case .variable(let name, _)? = credentials.key { allowed.insert(name) }
        }
        return environment.keys.sorted().compactMap { name in
            guard name.hasPrefix(prefix), !allowed.contains(name), !isServiceLink(name, value: environment[name] ?? "") else { return nil }
            let hint = closest(to: name, among: allowed).map { "; did you mean \($0)?" } ?? ""
            return "unknown environment variable \(LogText.bounded(name, limit: 64))\(hint)"
        }
    }

    /// Kubernetes' service-link variables for a Service `freedompay…` (upper-cased, `-` → `_`):
    /// `X_SERVICE_HOST`, `X_SERVICE_PORT`, `X_SERVICE_PORT_NAME`, `X_PORT`,
    /// `X_PORT_1234_TCP`, and that followed by `_PROTO`, `_PORT` or `_ADDR`. A bare `X_PORT`
    /// counts only with Kubernetes' value (`tcp://10.0.0.1:18080`), so that a misspelled
    /// setting such as `FREEDOMPAY_LISTEN_PORT=18080` is still an error.
    static func isServiceLink(_ name: String, value: String) -> Bool {
        if name.hasSuffix("_SERVICE_HOST") || name.hasSuffix("_SERVICE_PORT") || name.contains("_SERVICE_PORT_") { return true }
        if name.hasSuffix("_PORT"), ["tcp://", "udp://", "sctp://"].contains(where: { value.hasPrefix($0) }) { return true }
        // X_PORT_<digits>_<protocol>[_PROTO|_PORT|_ADDR]
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        for index in parts.indices.dropLast(2) where parts[index] == "PORT" {
            let number = parts[index + 1]
            let proto = parts[index + 2]
            guard !number.isEmpty, number.utf8.allSatisfy({ (0x30...0x39).contains($0) }), ["TCP", "UDP", "SCTP"].contains(proto)
            else { continue }
            let rest = parts[(index + 3)...]
            if rest.isEmpty || (rest.count == 1 && ["PROTO", "PORT", "ADDR"].contains(rest.first!)) { return true }
        }
        return false
    }

    /// The known name nearest by edit distance (after the common prefix) among those within a
    /// third of the name's length or whose part after the prefix starts the name's
    /// (`FREEDOMPAY_LISTEN_PORT` → `FREEDOMPAY_LISTEN`).
    static func closest(to name: String, among known: Set<String>) -> String? {
        let suffix = Array(name.dropFirst(prefix.count).utf8)
        var best: (name: String, distance: Int)?
        for candidate in known.sorted() where candidate.hasPrefix(prefix) {
            let other = Array(candidate.dropFirst(prefix.count).utf8)
            let distance = editDistance(suffix, other)
            guard distance <= max(2, suffix.count / 3) || (other.count >= 3 && suffix.starts(with: other + [UInt8(ascii: "_")])) else {
                continue
            }
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        return best?.name
    }

    /// Levenshtein distance over bytes.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
