import HTTP1

/// Connection-level settings of an `HTTPServer`.
public struct HTTPServerConfiguration: Sendable, Equatable {
    public var limits: HTTPParserLimits
    /// Seconds until a request must be complete (408 after; a connection that sent nothing is
    /// closed silently): counted from accept for a new connection, from its first byte for a
    /// later request on a kept-alive one.
    public var requestReadTimeout: Double
    /// Seconds an idle keep-alive connection stays open.
    public var idleTimeout: Double
    /// At this many open connections a newcomer makes an idle or silent one close (oldest
    /// first), or is answered 503 and closed when none is.
    public var maxConnections: Int
    /// Request body bytes all connections may hold at once (unless a shared `BodyBudget` is
    /// given to the server); past it 503 `overloaded`.
    public var maxBufferedBodyBytes: Int
    /// Seconds a new connection may stay silent before it may be closed to make room.
    public var evictableAfterSilence: Double

    public init(
        limits: HTTPParserLimits = HTTPParserLimits(), requestReadTimeout: Double = 10, idleTimeout: Double = 60,
        maxConnections: Int = 1024,
        maxBufferedBodyBytes: Int = 16 << 20, evictableAfterSilence: Double = 1
    ) {
        self.limits = limits
        self.requestReadTimeout = requestReadTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.maxBufferedBodyBytes = maxBufferedBodyBytes
        self.evictableAfterSilence = evictableAfterSilence
    }
}
