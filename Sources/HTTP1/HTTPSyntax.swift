/// The byte rules of `ByteClass`, for other modules that build messages.
public enum HTTPSyntax {
    /// Whether `text` is a non-empty token (RFC 9110 §5.6.2), compared as ASCII bytes.
    public static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(ByteClass.isTokenChar)
    }
}
