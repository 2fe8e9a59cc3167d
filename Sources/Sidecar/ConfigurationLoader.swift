import FoundationEssentials
import FreedomPayJWS
import JSONCore

/// A configuration with where each value came from, and every problem found reading it.
public struct LoadedConfiguration: Sendable {
    public var configuration = SidecarConfiguration()
    /// The layer of each setting that some layer set, by file key; absent means the default.
    public var sources: [String: SettingSource] = [:]
    /// Every refused flag, variable or file key, each naming where it came from.
    public var errors: [String] = []
    public var configFile: String?

    public func source(of key: String) -> SettingSource { sources[key] ?? .defaultValue }
}

/// Reads `Setting.all` with this precedence: flags > environment > config file > defaults.
/// Every setting is declared once, in `Setting+All.swift`; this file only walks the layers.
public enum ConfigurationLoader {
    /// Reads every layer and reports every problem at once; never throws.
    /// - Parameter arguments: `--flag value` or `--flag=value` pairs, nothing else.
    public static func read(arguments: [String], environment: [String: String]) -> LoadedConfiguration {
        var loaded = LoadedConfiguration()
        let flags = parseFlags(arguments, errors: &loaded.errors)
        loaded.configFile = flags["config"] ?? environment["FREEDOMPAY_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        var file: [String: JSONValue] = [:]
        if let path = loaded.configFile {
            do throws(StartupError) { file = try readFile(path) } catch { loaded.errors.append(error.description) }
            let known = Set(Setting.all.filter(\.inFile).map(\.key)).union(["$comment"])
            let unknown = file.keys.sorted().filter { !known.contains($0) }
            if !unknown.isEmpty {
                loaded.errors.append(
                    "config file \(path): unknown key\(unknown.count > 1 ? "s" : "") \(unknown.map { "'\($0)'" }.joined(separator: ", ")); valid keys: \(known.subtracting(["$comment"]).sorted().joined(separator: ", "))"
                )
            }
        }
        var applied: [String: (SettingSource, RawSetting)] = [:]
        for setting in Setting.all where setting.key != "config" {
            if let flag = setting.flag, let value = flags[flag] {
                applied[setting.key] = (.flag, .text(value))
            } else if let name = setting.environment, let value = environment[name], !value.isEmpty {
                applied[setting.key] = (.environment, .text(value))
            } else if setting.inFile, let value = file[setting.key] {
                applied[setting.key] = (.file, .json(value))
            }
        }
        // One key source: a key file wins over the inline key at the same layer or below.
        if let file = applied["keyFile"], let inline = applied["key"] {
            applied.removeValue(forKey: inline.0 > file.0 ? "keyFile" : "key")
        }
        for setting in Setting.all {
            guard let (source, raw) = applied[setting.key] else { continue }
            do throws(SettingError) {
                try setting.apply(raw, &loaded.configuration)
                loaded.sources[setting.key] = source
            } catch {
                let origin = origin(of: setting, source: source, file: loaded.configFile)
                loaded.errors += error.messages.map { "\(origin): \($0)" }
            }
        }
        resolveRouteKeys(&loaded, environment: environment)
        resolveCallbackKeys(&loaded, environment: environment)
        loaded.errors += EnvironmentNames.unknown(in: environment, routes: loaded.configuration.routes, callbacks: loaded.configuration.callbacks)
        return loaded
    }

    /// A route's `keyEnv` is read from the same environment as `FREEDOMPAY_KEY`.
    static func resolveRouteKeys(_ loaded: inout LoadedConfiguration, environment: [String: String]) {
        var routes = loaded.configuration.routes.routes
        for index in routes.indices {
            guard case .variable(let name, _)? = routes[index].credentials.key else { continue }
            guard let value = environment[name], !value.isEmpty else {
                loaded.errors.append(
                    "config file \(loaded.configFile ?? ""): 'routes': route \(routes[index].path): keyEnv \(name) is not set")
                continue
            }
            routes[index].credentials.key = .variable(name: name, Array(value.utf8))
        }
        loaded.configuration.routes = RouteTable(routes)
    }

    /// A callback's `keyEnv` is read the same way.
    static func resolveCallbackKeys(_ loaded: inout LoadedConfiguration, environment: [String: String]) {
        for index in loaded.configuration.callbacks.indices {
            let callback = loaded.configuration.callbacks[index]
            guard case .variable(let name, _)? = callback.credentials.key else { continue }
            guard let value = environment[name], !value.isEmpty else {
                loaded.errors.append(
                    "config file \(loaded.configFile ?? ""): 'callbacks': callback \(callback.path): keyEnv \(name) is not set")
                continue
            }
            loaded.configuration.callbacks[index].credentials.key = .variable(name: name, Array(value.utf8))
        }
    }

    /// `read`, throwing all of its errors as one.
    public static func load(arguments: [String], environment: [String: String]) throws(StartupError) -> SidecarConfiguration {
        let loaded = read(arguments: arguments, environment: environment)
        guard loaded.errors.isEmpty else { throw StartupError(loaded.errors.joined(separator: "; ")) }
        return loaded.configuration
    }

    /// Where a value came from, as an operator would look for it.
    static func origin(of setting: Setting, source: SettingSource, file: String?) -> String {
        switch source {
        case .flag: setting.flagText ?? setting.key
        case .environment: setting.environment ?? setting.key
        case .file: "config file \(file ?? ""): '\(setting.key)'"
        case .defaultValue: setting.key
        }
    }

    /// Flags by name (without dashes). Unknown, repeated and value-less flags are errors.
    static func parseFlags(_ arguments: [String], errors: inout [String]) -> [String: String] {
        let known = Set(Setting.all.compactMap(\.flag))
        var flags: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                errors.append("unexpected argument '\(argument.prefix(64))'")
                continue
            }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard known.contains(name) else {
                errors.append("unknown flag --\(name.prefix(64))\(suggestion(for: name, among: known))")
                if value == nil, index < arguments.count, !arguments[index].hasPrefix("--") { index += 1 }
                continue
            }
            if value == nil {
                guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                    errors.append("--\(name) needs a value")
                    continue
                }
                value = arguments[index]
                index += 1
            }
            guard flags[name] == nil else {
                errors.append("--\(name) is given twice")
                continue
            }
            flags[name] = value
        }
        return flags
    }

    /// "; did you mean --x?" for the known name sharing the longest prefix, if any is close.
    static func suggestion(for name: String, among known: Set<String>) -> String {
        func common(_ a: String, _ b: String) -> Int { zip(a, b).prefix { $0 == $1 }.count }
        guard let best = known.max(by: { (common(name, $0), $1) < (common(name, $1), $0) }), common(name, best) >= 3 else { return "" }
        return "; did you mean --\(best)?"
    }

    /// The file's top-level object, read with `StrictJSON`: a duplicate key is an error, not a silent override.
    static func readFile(_ path: String) throws(StartupError) -> [String: JSONValue] {
        let data: [UInt8]
        do throws(FileReadError) {
            data = try FileBytes.read(path, what: "config file", limit: FileBytes.configLimit).bytes
        } catch {
            throw StartupError(error.description)
        }
        let value: JSONValue
        do {
            value = try StrictJSON.parse(data)
        } catch {
            throw StartupError("config file \(path) is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .object(let object) = value else { throw StartupError("config file \(path) is not a JSON object") }
        return object
    }
}
