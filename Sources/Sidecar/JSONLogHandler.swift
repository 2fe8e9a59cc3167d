import Foundation
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
        var object: [String: Any] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            object[key] = JSONLogHandler.jsonValue(value)
        }
        object["time"] = Date().formatted(JSONLogHandler.timeFormat)
        object["level"] = event.level.rawValue
        object["logger"] = label
        object["message"] = event.message.description
        guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(0x0A)
        output(Array(line))
    }

    private static func jsonValue(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible):
            if let flag = convertible as? Bool {
                flag
            } else if let number = convertible as? Int {
                number
            } else if let number = convertible as? Double {
                number
            } else {
                convertible.description
            }
        case .array(let values): values.map(jsonValue)
        case .dictionary(let values): values.mapValues(jsonValue)
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
