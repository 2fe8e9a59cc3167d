import HTTP1

/// Connection-level settings of an `HTTPServer`.
public struct HTTPServerConfiguration: Sendable, Equatable {
    public var limits: HTTPParserLimits
    /// Seconds from a request's first byte until it must be complete (408 after).
    public var requestReadTimeout: Double
    /// Seconds an idle keep-alive connection stays open.
    public var idleTimeout: Double
    /// Connections beyond this are closed as soon as they are accepted.
    public var maxConnections: Int

    public init(limits: HTTPParserLimits = HTTPParserLimits(), requestReadTimeout: Double = 10, idleTimeout: Double = 60, maxConnections: Int = 1024) {
        self.limits = limits
        self.requestReadTimeout = requestReadTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }
}
