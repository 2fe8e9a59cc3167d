import FreedomPayJWS
import JSONCore
import Logging
import Upstream

/// Where a setting's effective value came from, lowest precedence first.
public enum SettingSource: Int, Sendable, Comparable, CustomStringConvertible {
    case defaultValue, file, environment, flag

    public static func < (lhs: SettingSource, rhs: SettingSource) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .defaultValue: "default"
        case .file: "file"
        case .environment: "env"
        case .flag: "flag"
        }
    }
}

/// A setting's value as one layer gave it: text from a flag or an environment variable,
/// JSON from the config file.
enum RawSetting: Sendable {
    case text(String)
    case json(JSONValue)

    func string() throws(SettingError) -> String {
        switch self {
        case .text(let text): return text
        case .json(.string(let text)): return text
        case .json: throw SettingError("must be a string")
        }
    }

    /// A finite number in `range`; from text or a JSON number (not a JSON string).
    func number(in range: ClosedRange<Double>) throws(SettingError) -> Double {
        let literal: String
        switch self {
        case .text(let text): literal = text
        case .json(.number(let text)): literal = text
        case .json: throw SettingError("must be a number")
        }
        guard let value = Double(literal), value.isFinite, range.contains(value) else {
            throw SettingError(
                "must be a number from \(range.lowerBound.settingText) to \(range.upperBound.settingText), got \(literal.prefix(32))")
        }
        return value
    }

    func integer(in range: ClosedRange<Int>) throws(SettingError) -> Int {
        let value = try number(in: Double(range.lowerBound)...Double(range.upperBound))
        guard value == value.rounded() else { throw SettingError("must be a whole number") }
        return Int(value)
    }

    /// `true` or `false`: a JSON boolean, or that text.
    func boolean() throws(SettingError) -> Bool {
        if case .json(.bool(let flag)) = self { return flag }
        return try choice(["true", "false"]) == "true"
    }

    /// One of `choices`, compared without ASCII case.
    func choice(_ choices: [String]) throws(SettingError) -> String {
        let text = try string()
        guard let match = choices.first(where: { $0.lowercased() == text.lowercased() }) else {
            throw SettingError("must be one of \(choices.joined(separator: ", ")), got '\(text.prefix(32))'")
        }
        return match
    }
}

/// Why one setting's value was refused; the loader adds which setting and where from.
struct SettingError: Error, Sendable {
    /// One or more problems with the same setting, each reported as its own error.
    var messages: [String]
    var message: String { messages.joined(separator: "; ") }
    init(_ message: String) { messages = [message] }
    init(messages: [String]) { self.messages = messages }
}

/// One configuration setting, declared once: its file key, flag, environment variable,
/// default and documentation, how a value is parsed into `SidecarConfiguration`, and how
/// the effective value is shown by `check-config`. Parsing, `--help`, `check-config` and
/// the README's table (checked by a test) all derive from `Setting.all`.
public struct Setting: Sendable {
    /// The config file key, and the setting's name in reports.
    public let key: String
    /// Long flag without the dashes; nil for a file-only setting.
    public let flag: String?
    public let environment: String?
    /// Whether the file may set it (false for `config` itself and the inline key).
    public let inFile: Bool
    /// The default as documented.
    public let defaultText: String
    public let doc: String
    /// Shown as `<redacted>`.
    public let isSecret: Bool
    let apply: @Sendable (RawSetting, inout SidecarConfiguration) throws(SettingError) -> Void
    let show: @Sendable (SidecarConfiguration) -> String?

    init(
        _ key: String, flag: String? = nil, env: String? = nil, inFile: Bool = true, default defaultText: String, secret: Bool = false,
        _ doc: String, apply: @escaping @Sendable (RawSetting, inout SidecarConfiguration) throws(SettingError) -> Void,
        show: @escaping @Sendable (SidecarConfiguration) -> String?
    ) {
        self.key = key
        self.flag = flag
        self.environment = env
        self.inFile = inFile
        self.defaultText = defaultText
        self.doc = doc
        self.isSecret = secret
        self.apply = apply
        self.show = show
    }

    public var flagText: String? { flag.map { "--\($0)" } }
}

extension Double {
    /// `20` rather than `20.0`, for messages and reports.
    var settingText: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self) }
}
