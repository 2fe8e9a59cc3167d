/// Every size limit of the response parser, in one place.
public struct HTTPResponseLimits: Sendable, Equatable {
    /// Status line plus header section, including CRLFs; also the bound of a trailer section.
    public var maxHeaderBytes: Int
    /// Number of header fields (and of trailer fields).
    public var maxHeaderCount: Int
    /// Decoded body size, checked as the body arrives.
    public var maxBodyBytes: Int
    /// Informational (1xx) responses before the final one; beyond it the answer is refused.
    public var maxInterimResponses: Int

    public init(
        maxHeaderBytes: Int = 64 * 1024, maxHeaderCount: Int = 100, maxBodyBytes: Int = 4 * 1024 * 1024,
        maxInterimResponses: Int = 16
    ) {
        self.maxInterimResponses = maxInterimResponses
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}
