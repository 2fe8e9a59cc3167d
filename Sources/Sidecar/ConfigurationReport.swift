import FoundationEssentials
import FreedomPayJWS
import Glibc
import SocketLoop

/// What `check-config` prints: the effective value and source of every setting (secrets
/// redacted), then every warning and every error.
public struct ConfigurationReport: Sendable {
    public var lines: [String] = []
    public var warnings: [String] = []
    public var errors: [String] = []

    public init(_ loaded: LoadedConfiguration, environment: [String: String]) {
        let configuration = loaded.configuration
        let width = Setting.all.map(\.key.count).max() ?? 0
        if let file = loaded.configFile { lines.append("config file: \(file)") }
        for setting in Setting.all where setting.key != "config" {
            guard let value = setting.show(configuration) else { continue }
            let source = loaded.source(of: setting.key)
            let origin: String
            switch source {
            case .flag: origin = "flag \(setting.flagText ?? "")"
            case .environment: origin = "env \(setting.environment ?? "")"
            case .file: origin = "file"
            case .defaultValue: origin = "default"
            }
            let shown = setting.isSecret ? "<redacted>" : value
            lines.append(setting.key + String(repeating: " ", count: width - setting.key.count) + "  \(shown)  [\(origin)]")
        }
        for route in configuration.routes.routes {
            lines.append("route \(route.path): \(route.description)")
        }
        for callback in configuration.callbacks {
            lines.append("callback \(callback.path): \(callback.description)")
        }
        errors = loaded.errors + configurationProblems(configuration)
        warnings = ConfigurationReport.warnings(configuration, environment: environment)
    }

    /// Things that start but are probably not what the operator meant.
    public static func warnings(_ configuration: SidecarConfiguration, environment: [String: String]) -> [String] {
        var warnings: [String] = []
        if configuration.upstream == .sandbox {
            warnings.append("upstream is the in-process sandbox emulator: nothing reaches Freedom Pay")
        }
        for (name, address) in [("listen", configuration.listen), ("adminListen", configuration.adminListen)] {
            if case .tcp(let host, _)? = try? ListenAddress(parsing: address), !isLoopback(host) {
                warnings.append("\(name) \(address) is not on loopback: anything that reaches it can have requests signed")
            }
        }
        let unixListeners = [configuration.listen, configuration.adminListen].filter { $0.hasPrefix("unix:") }
        if !unixListeners.isEmpty, configuration.unixSocketMode & ~0o660 != 0 {
            warnings.append(
                "unixSocketMode \(String(configuration.unixSocketMode, radix: 8)) is wider than 660: users outside the socket's owner and group can have requests signed"
            )
        }
        if configuration.allowCoreDumps {
            warnings.append("allowCoreDumps is true: a core dump or /proc/PID/mem of this process holds the key; for debugging only")
        }
        for name in ["HTTPS_PROXY", "https_proxy"] where !(environment[name] ?? "").isEmpty {
            warnings.append("\(name) is set and ignored on purpose; use --upstream-proxy (FREEDOMPAY_UPSTREAM_PROXY) for an egress proxy")
        }
        if let key = configuration.key {
            warnings += keyWarnings(key, algorithm: configuration.algorithm, owner: "key")
        }
        for route in configuration.routes.routes where route.credentials.key != nil || route.credentials.algorithm != nil {
            guard let key = route.credentials.key ?? configuration.key else { continue }
            warnings += keyWarnings(
                key, algorithm: route.credentials.algorithm ?? configuration.algorithm, owner: "route \(route.path) key")
        }
        return warnings
    }

    /// A key that loads but is weak or probably the wrong file.
    static func keyWarnings(_ source: KeySource, algorithm: JWSAlgorithm, owner: String) -> [String] {
        var warnings: [String] = []
        var bytes: [UInt8]
        switch source {
        case .inline(let inline), .variable(_, let inline):
            bytes = inline
        case .file(let path):
            // Unreadable or refused: `configurationProblems` reports it as an error.
            guard let read = try? FileBytes.read(path, what: "\(owner) file", limit: FileBytes.secretLimit) else { return warnings }
            if let reader = FileExposure.unexpectedReaders(read.info) {
                warnings.append(
                    "\(owner) file \(path) is readable by \(reader) (mode \(String(read.info.st_mode & 0o777, radix: 8)), group \(read.info.st_gid)); run chmod \(reader == "others" ? "o-r" : "g-r") on it, or give it a group this process is in"
                )
            }
            bytes = read.bytes
        }
        guard algorithm.rawValue.hasPrefix("HS") else { return warnings }
        while let last = bytes.last, last == 0x20 || (0x09...0x0D).contains(last) { bytes.removeLast() }
        while let first = bytes.first, first == 0x20 || (0x09...0x0D).contains(first) { bytes.removeFirst() }
        if bytes.starts(with: Array("-----BEGIN".utf8)) {
            warnings.append(
                "\(owner) for \(algorithm.rawValue) looks like a PEM file; HS* keys are the raw shared secret (RS256/ES256 take PEM)")
        } else if algorithm == .hs256 && bytes.count < 32 {
            warnings.append("\(owner) for HS256 is \(bytes.count) bytes; RFC 7518 §3.2 asks for at least 32")
        }
        return warnings
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }

    /// Settings and warnings, for stdout.
    public var text: String {
        let out = lines + warnings.map { "warning: \($0)" } + (errors.isEmpty ? ["configuration ok"] : [])
        return out.joined(separator: "\n") + "\n"
    }

    /// Every error and the verdict, for stderr; empty when the configuration is valid.
    public var errorText: String {
        guard !errors.isEmpty else { return "" }
        let out = errors.map { "error: \($0)" } + ["configuration invalid: \(errors.count) error\(errors.count == 1 ? "" : "s")"]
        return out.joined(separator: "\n") + "\n"
    }
}
