/// A JSON value as parsed by `StrictJSON` and written by `JSONWriter`.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's literal text, exactly as sent.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}
