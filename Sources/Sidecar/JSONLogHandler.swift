import FoundationEssentials
import Glibc
import JSONCore
import Logging
import Synchronization

/// A swift-log handler that writes one JSON object per line:
/// `{"time":…,"level":…,"logger":…,"message":…, <metadata>}`.
public struct JSONLogHandler: LogHandler {
    public typealias Output = @Sendable ([UInt8]) -> Void

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let output: Output

    public init(label: String, level: Logger.Level, output: @escaping Output = JSONLogHandler.standardOutput) {
        self.label = label
        self.logLevel = level
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: JSONValue] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            object[key] = JSONLogHandler.jsonValue(value)
        }
        object["time"] = .string(Date().formatted(JSONLogHandler.timeFormat))
        object["level"] = .string(event.level.rawValue)
        object["logger"] = .string(label)
        object["message"] = .string(event.message.description)
        var line = JSONWriter.serialize(.object(object))
        line.append(0x0A)
        output(line)
    }

    private static func jsonValue(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible):
            if let flag = convertible as? Bool {
                .bool(flag)
            } else if let number = convertible as? Int {
                .integer(number)
            } else if let number = convertible as? Double {
                .double(number)
            } else {
                .string(convertible.description)
            }
        case .array(let values): .array(values.map(jsonValue))
        case .dictionary(let values): .object(values.mapValues(jsonValue))
        }
    }

    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    private static let stdoutLock = Mutex(())

    /// Writes each line with a single `write(2)` under a lock, so lines never interleave.
    public static let standardOutput: Output = { bytes in
        stdoutLock.withLock { _ in
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = write(STDOUT_FILENO, raw.baseAddress! + offset, raw.count - offset)
                    guard written > 0 else { return }
                    offset += written
                }
            }
        }
    }
}
