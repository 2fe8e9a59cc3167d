import FreedomPayJWS
import Foundation
import HTTP1
import Logging

/// Settings that flags and environment variables can set; `nil` means "not given here".
public struct ConfigurationLayer: Sendable, Equatable {
    public var listen: String?
    public var adminListen: String?
    public var upstream: String?
    public var authID: String?
    public var keyFile: String?
    public var algorithm: String?
    public var keyID: String?
    public var upstreamTimeout: Double?
    public var headerTimeout: Double?
    public var drainTimeout: Double?
    public var logLevel: String?

    public init() {}

    /// Values from `self`, falling back to `lower` where `self` has none.
    func over(_ lower: ConfigurationLayer) -> ConfigurationLayer {
        var merged = ConfigurationLayer()
        merged.listen = listen ?? lower.listen
        merged.adminListen = adminListen ?? lower.adminListen
        merged.upstream = upstream ?? lower.upstream
        merged.authID = authID ?? lower.authID
        merged.keyFile = keyFile ?? lower.keyFile
        merged.algorithm = algorithm ?? lower.algorithm
        merged.keyID = keyID ?? lower.keyID
        merged.upstreamTimeout = upstreamTimeout ?? lower.upstreamTimeout
        merged.headerTimeout = headerTimeout ?? lower.headerTimeout
        merged.drainTimeout = drainTimeout ?? lower.drainTimeout
        merged.logLevel = logLevel ?? lower.logLevel
        return merged
    }
}

/// Reads configuration with this precedence: flags > environment > config file > defaults.
///
/// Environment variables (each overrides the file key in brackets):
/// - `FREEDOMPAY_CONFIG` — path of the JSON config file (when `--config` is not given)
/// - `FREEDOMPAY_LISTEN` [listen] — `HOST:PORT` or `unix:PATH`, default `127.0.0.1:18080`
/// - `FREEDOMPAY_ADMIN_LISTEN` [adminListen] — default `127.0.0.1:19090`
/// - `FREEDOMPAY_UPSTREAM` [upstream] — `https://…` or `sandbox` (default)
/// - `FREEDOMPAY_AUTH_ID` [authId] — the merchant id signed into every request
/// - `FREEDOMPAY_KEY_FILE` [keyFile] — file holding the secret (HS*) or PEM private key (RS256/ES256)
/// - `FREEDOMPAY_KEY` — the key itself, when no key file is configured anywhere
/// - `FREEDOMPAY_ALG` [alg] — HS256 (default), HS384, HS512, RS256, ES256
/// - `FREEDOMPAY_KID` [kid] — optional `kid` in the JOSE header
/// - `FREEDOMPAY_UPSTREAM_TIMEOUT` [upstreamTimeoutSeconds] — default 20
/// - `FREEDOMPAY_HEADER_TIMEOUT` [headerTimeoutSeconds] — default 10
/// - `FREEDOMPAY_DRAIN_TIMEOUT` [drainTimeoutSeconds] — default 25
/// - `FREEDOMPAY_LOG_LEVEL` [logLevel] — trace, debug, info (default), notice, warning, error, critical
///
/// File-only keys: `upstreamConnectTimeoutSeconds`, `idleTimeoutSeconds`, `maxConnections`,
/// `maxConcurrentUpstream`, `maxQueuedUpstream`, `maxHeaderBytes`, `maxBodyBytes`,
/// `keyReloadIntervalSeconds`, `unixSocketMode` (octal string), `caBundle`, `pinnedPublicKey`,
/// `routes` (array of `{path, defaultAction, allowedActions, body: "refund"|"json-object",
/// headerLayout: {pathField, merchantField, merchantIsNumber}}`). Unknown keys are errors.
public enum ConfigurationLoader {
    public static func load(flags: ConfigurationLayer, configFile: String?, environment: [String: String]) throws(StartupError) -> SidecarConfiguration {
        let filePath = configFile ?? environment["FREEDOMPAY_CONFIG"]
        var fileLayer = ConfigurationLayer()
        var fileObject: [String: Any] = [:]
        if let filePath {
            fileObject = try readFile(filePath)
            fileLayer = try layer(fromFile: fileObject, path: filePath)
        }
        let environmentLayer = try layer(fromEnvironment: environment)
        let merged = flags.over(environmentLayer).over(fileLayer)
        var configuration = SidecarConfiguration()
        try apply(merged, to: &configuration)
        configuration.key = keySource(flags: flags, environment: environment, environmentLayer: environmentLayer, file: fileLayer)
        try applyFileOnly(fileObject, path: filePath ?? "", to: &configuration)
        return configuration
    }

    static var environmentNames: [String: WritableKeyPath<ConfigurationLayer, String?>] {
        [
            "FREEDOMPAY_LISTEN": \.listen, "FREEDOMPAY_ADMIN_LISTEN": \.adminListen, "FREEDOMPAY_UPSTREAM": \.upstream,
            "FREEDOMPAY_AUTH_ID": \.authID, "FREEDOMPAY_KEY_FILE": \.keyFile, "FREEDOMPAY_ALG": \.algorithm,
            "FREEDOMPAY_KID": \.keyID, "FREEDOMPAY_LOG_LEVEL": \.logLevel,
        ]
    }
    static var environmentSeconds: [String: WritableKeyPath<ConfigurationLayer, Double?>] {
        [
            "FREEDOMPAY_UPSTREAM_TIMEOUT": \.upstreamTimeout, "FREEDOMPAY_HEADER_TIMEOUT": \.headerTimeout,
            "FREEDOMPAY_DRAIN_TIMEOUT": \.drainTimeout,
        ]
    }

    static func layer(fromEnvironment environment: [String: String]) throws(StartupError) -> ConfigurationLayer {
        var layer = ConfigurationLayer()
        for (name, keyPath) in environmentNames {
            if let value = environment[name], !value.isEmpty { layer[keyPath: keyPath] = value }
        }
        for (name, keyPath) in environmentSeconds {
            guard let value = environment[name], !value.isEmpty else { continue }
            guard let seconds = Double(value) else { throw StartupError("\(name) must be a number of seconds") }
            layer[keyPath: keyPath] = seconds
        }
        return layer
    }

    static var fileStrings: [String: WritableKeyPath<ConfigurationLayer, String?>] {
        [
            "listen": \.listen, "adminListen": \.adminListen, "upstream": \.upstream, "authId": \.authID,
            "keyFile": \.keyFile, "alg": \.algorithm, "kid": \.keyID, "logLevel": \.logLevel,
        ]
    }
    static var fileSeconds: [String: WritableKeyPath<ConfigurationLayer, Double?>] {
        [
            "upstreamTimeoutSeconds": \.upstreamTimeout, "headerTimeoutSeconds": \.headerTimeout, "drainTimeoutSeconds": \.drainTimeout,
        ]
    }
    static let fileOnlyKeys: Set<String> = [
        "upstreamConnectTimeoutSeconds", "idleTimeoutSeconds", "maxConnections", "maxConcurrentUpstream", "maxQueuedUpstream",
        "maxHeaderBytes", "maxBodyBytes", "keyReloadIntervalSeconds", "unixSocketMode", "caBundle", "pinnedPublicKey", "routes",
    ]

    static func readFile(_ path: String) throws(StartupError) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else { throw StartupError("config file \(path) cannot be read") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw StartupError("config file \(path) is not a JSON object")
        }
        let known = Set(fileStrings.keys).union(fileSeconds.keys).union(fileOnlyKeys).union(["$comment"])
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw StartupError("config file \(path): unknown key '\(unknown)'")
        }
        return object
    }

    static func layer(fromFile object: [String: Any], path: String) throws(StartupError) -> ConfigurationLayer {
        var layer = ConfigurationLayer()
        for (key, keyPath) in fileStrings {
            guard let value = object[key] else { continue }
            guard let text = value as? String else { throw StartupError("config file \(path): '\(key)' must be a string") }
            layer[keyPath: keyPath] = text
        }
        for (key, keyPath) in fileSeconds {
            guard let value = object[key] else { continue }
            guard let number = value as? NSNumber, !(value is Bool) else { throw StartupError("config file \(path): '\(key)' must be a number") }
            layer[keyPath: keyPath] = number.doubleValue
        }
        return layer
    }

    /// Flag key file > environment key file > environment key > config file key file.
    static func keySource(flags: ConfigurationLayer, environment: [String: String], environmentLayer: ConfigurationLayer, file: ConfigurationLayer) -> KeySource? {
        if let path = flags.keyFile ?? environmentLayer.keyFile { return .file(path: path) }
        if let inline = environment["FREEDOMPAY_KEY"], !inline.isEmpty { return .inline(Array(inline.utf8)) }
        return file.keyFile.map { .file(path: $0) }
    }

    static func apply(_ layer: ConfigurationLayer, to configuration: inout SidecarConfiguration) throws(StartupError) {
        if let listen = layer.listen { configuration.listen = listen }
        if let adminListen = layer.adminListen { configuration.adminListen = adminListen }
        if let upstream = layer.upstream { configuration.upstream = upstream == "sandbox" ? .sandbox : .url(upstream) }
        if let authID = layer.authID { configuration.authID = authID }
        if let name = layer.algorithm {
            guard let algorithm = JWSAlgorithm(rawValue: name.uppercased()) else {
                throw StartupError("unknown algorithm '\(name)'; use one of \(JWSAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            configuration.algorithm = algorithm
        }
        if let keyID = layer.keyID { configuration.keyID = keyID.isEmpty ? nil : keyID }
        if let seconds = layer.upstreamTimeout { configuration.upstreamTimeout = try positive(seconds, "upstream timeout") }
        if let seconds = layer.headerTimeout { configuration.headerTimeout = try positive(seconds, "header timeout") }
        if let seconds = layer.drainTimeout { configuration.drainTimeout = try positive(seconds, "drain timeout") }
        if let level = layer.logLevel {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else { throw StartupError("unknown log level '\(level)'") }
            configuration.logLevel = parsed
        }
    }

    static func applyFileOnly(_ object: [String: Any], path: String, to configuration: inout SidecarConfiguration) throws(StartupError) {
        func number(_ key: String) throws(StartupError) -> Double? {
            guard let value = object[key] else { return nil }
            guard let number = value as? NSNumber, !(value is Bool), number.doubleValue > 0, number.doubleValue < 1e9 else {
                throw StartupError("config file \(path): '\(key)' must be a positive number below 1e9")
            }
            return number.doubleValue
        }
        func string(_ key: String) throws(StartupError) -> String? {
            guard let value = object[key] else { return nil }
            guard let text = value as? String else { throw StartupError("config file \(path): '\(key)' must be a string") }
            return text
        }
        if let value = try number("upstreamConnectTimeoutSeconds") { configuration.upstreamConnectTimeout = value }
        if let value = try number("idleTimeoutSeconds") { configuration.idleTimeout = value }
        if let value = try number("keyReloadIntervalSeconds") { configuration.keyReloadInterval = value }
        if let value = try number("maxConnections") { configuration.maxConnections = Int(value) }
        if let value = try number("maxConcurrentUpstream") { configuration.maxConcurrentUpstream = Int(value) }
        if let value = try number("maxQueuedUpstream") { configuration.maxQueuedUpstream = Int(value) }
        if let value = try number("maxHeaderBytes") { configuration.limits.maxHeaderBytes = Int(value) }
        if let value = try number("maxBodyBytes") { configuration.limits.maxBodyBytes = Int(value) }
        if let value = try string("unixSocketMode") {
            guard let mode = UInt32(value, radix: 8), mode <= 0o777 else { throw StartupError("config file \(path): 'unixSocketMode' must be octal like \"660\"") }
            configuration.unixSocketMode = mode
        }
        if let value = try string("caBundle") { configuration.caBundlePath = value }
        if let value = try string("pinnedPublicKey") { configuration.pinnedPublicKey = value }
        if let routes = object["routes"] {
            do {
                let data = try JSONSerialization.data(withJSONObject: routes)
                let decoded = try JSONDecoder().decode([Route].self, from: data)
                guard !decoded.isEmpty else { throw StartupError("config file \(path): 'routes' is empty") }
                configuration.routes = RouteTable(decoded)
            } catch let error as StartupError {
                throw error
            } catch {
                throw StartupError("config file \(path): 'routes' is invalid: \(error)")
            }
        }
    }

    private static func positive(_ seconds: Double, _ name: String) throws(StartupError) -> Double {
        guard seconds > 0, seconds.isFinite else { throw StartupError("\(name) must be a positive number of seconds") }
        return seconds
    }
}
