/// The byte rules of `ByteClass`, for other modules that build messages.
public enum HTTPSyntax {
    /// Whether `text` is a non-empty token (RFC 9110 §5.6.2), compared as ASCII bytes.
    public static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(ByteClass.isTokenChar)
    }
}

extension StringProtocol {
    /// Only A–Z lowered: HTTP tokens (names, codings, `Connection` options, media types) are
    /// ASCII, and Unicode case mapping would make U+212A KELVIN SIGN equal "k".
    public var asciiLowercased: String {
        String(decoding: utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
