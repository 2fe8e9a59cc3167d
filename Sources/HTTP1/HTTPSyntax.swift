/// The byte rules of `ByteClass`, for other modules that build messages.
public enum HTTPSyntax {
    /// Whether `value` is a valid `Host` field value: `uri-host [ ":" port ]` (RFC 9112 §3.2,
    /// RFC 3986 §3.2.2): an IP-literal in brackets, or a reg-name of unreserved, sub-delims
    /// and percent-encoded bytes (IPv4 addresses are reg-names too); the port is digits.
    /// An empty value is allowed only for a target without an authority (RFC 9112 §3.2).
    public static func isValidHost(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        if bytes.isEmpty { return true }
        var index = 0
        if bytes[0] == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")), close > 1 else { return false }
            let literal = bytes[1..<close]
            guard literal.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }),
                literal.contains(UInt8(ascii: ":"))
            else { return false }
            index = close + 1
        } else {
            while index < bytes.count, bytes[index] != UInt8(ascii: ":") {
                let byte = bytes[index]
                if byte == UInt8(ascii: "%") {
                    guard index + 2 < bytes.count, isHexDigit(bytes[index + 1]), isHexDigit(bytes[index + 2]) else { return false }
                    index += 3
                    continue
                }
                guard isUnreserved(byte) || isSubDelimiter(byte) else { return false }
                index += 1
            }
            guard index > 0 else { return false }
        }
        guard index < bytes.count else { return true }
        guard bytes[index] == UInt8(ascii: ":") else { return false }
        let port = bytes[(index + 1)...]
        return port.count <= 5 && port.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || "-._~".utf8.contains(byte)
    }

    private static func isSubDelimiter(_ byte: UInt8) -> Bool {
        "!$&'()*+,;=".utf8.contains(byte)
    }

    /// Whether `text` is a non-empty token (RFC 9110 §5.6.2), compared as ASCII bytes.
    public static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(ByteClass.isTokenChar)
    }

    /// The value of a hex digit (RFC 5234 HEXDIG, either case), or nil.
    public static func hexValue(_ byte: UInt8) -> Int? {
        ByteClass.hexValue(byte)
    }
}

extension StringProtocol {
    /// Only A–Z lowered: HTTP tokens (names, codings, `Connection` options, media types) are
    /// ASCII, and Unicode case mapping would make U+212A KELVIN SIGN equal "k".
    public var asciiLowercased: String {
        String(decoding: utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
