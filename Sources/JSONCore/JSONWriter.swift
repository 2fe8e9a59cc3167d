/// Writes a `JSONValue` as compact RFC 8259 text, so that neither the sidecar nor the sandbox needs
/// Foundation's `JSONSerialization` (and with it ICU).
///
/// Output matches what `JSONSerialization` wrote with `[.sortedKeys, .withoutEscapingSlashes]`
/// for the sidecar's own keys: object keys in ascending order (by UTF-8 bytes), no whitespace,
/// `/` not escaped, `"` and `\` escaped, `\b \f \n \r \t` in their short forms and the other
/// control characters as `\u00xx`. Numbers are written as their literal text.
public enum JSONWriter {
    public static func serialize(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        write(value, into: &output)
        return output
    }

    public static func write(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let literal): output.append(contentsOf: literal.utf8)
        case .string(let text): writeString(text, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, key) in keys.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(members[key]!, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    public static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                output.append(UInt8(ascii: "\\"))
                output.append(byte)
            case 0x08: output.append(contentsOf: #"\b"#.utf8)
            case 0x0C: output.append(contentsOf: #"\f"#.utf8)
            case 0x0A: output.append(contentsOf: #"\n"#.utf8)
            case 0x0D: output.append(contentsOf: #"\r"#.utf8)
            case 0x09: output.append(contentsOf: #"\t"#.utf8)
            case 0x00..<0x20:
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            default:
                // Bytes of multi-byte UTF-8 sequences are all >= 0x80 and pass through as they are.
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    /// An integer as a JSON number.
    public static func integer(_ value: Int) -> JSONValue {
        .number(String(value))
    }

    /// A finite double as a JSON number (`3.0` as `3`, like `JSONSerialization`); JSON has no
    /// NaN or infinity, so those become strings.
    public static func double(_ value: Double) -> JSONValue {
        guard value.isFinite else { return .string(value.description) }
        var literal = value.description
        if literal.hasSuffix(".0") { literal.removeLast(2) }
        return .number(literal)
    }
}
