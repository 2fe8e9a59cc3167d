/// Bounds on what `StrictXML` reads; every default is far above a Merchant API answer.
public struct XMLLimits: Sendable, Equatable {
    /// Whole document, in bytes.
    public var maxBytes: Int
    /// Nesting depth; the root element is depth 1.
    public var maxDepth: Int
    /// Elements in the whole document, the root included.
    public var maxElements: Int
    /// Bytes in one element name.
    public var maxNameBytes: Int

    public init(maxBytes: Int = 256 * 1024, maxDepth: Int = 16, maxElements: Int = 4096, maxNameBytes: Int = 128) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxElements = maxElements
        self.maxNameBytes = maxNameBytes
    }
}
