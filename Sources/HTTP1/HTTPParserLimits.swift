/// Every size limit of the request parser, in one place.
public struct HTTPParserLimits: Sendable, Equatable {
    /// Request line plus header section, including CRLFs. Over it: 431.
    public var maxHeaderBytes: Int
    /// Number of header fields (and trailer fields). Over it: 431.
    public var maxHeaderCount: Int
    /// Decoded body size. Over it: 413.
    public var maxBodyBytes: Int
    /// Empty lines tolerated before a request line (RFC 9112 §2.2).
    public var maxLeadingEmptyLines: Int

    public init(maxHeaderBytes: Int = 16 * 1024, maxHeaderCount: Int = 100, maxBodyBytes: Int = 64 * 1024, maxLeadingEmptyLines: Int = 8) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxLeadingEmptyLines = maxLeadingEmptyLines
    }
}
