import HTTP1

/// Settings of `HTTPUpstreamClient`, with production defaults.
public struct UpstreamClientConfiguration: Sendable {
    /// Seconds to establish TCP and TLS for one attempt (→ `.timedOut`).
    public var connectTimeout: Double
    /// Seconds for the whole exchange, queueing and retries included (→ `.timedOut`).
    public var totalTimeout: Double
    /// Requests in flight at once over all loops; also the connection limit. Each loop
    /// gets an equal share (at least one).
    public var maxConcurrentRequests: Int
    /// Requests waiting for a free connection over all loops; beyond it `.overloaded`.
    public var maxQueuedRequests: Int
    /// Size limits of the response parser (the body limit makes larger answers `.brokenResponse`).
    public var responseLimits: HTTPResponseLimits
    /// Extra attempts after a failure before any response byte (refused, reset, a pooled
    /// connection found closed). Never after a status line.
    public var retriesBeforeResponse: Int
    /// Seconds an unused keep-alive connection stays in the pool.
    public var idleTimeout: Double
    /// PEM CA bundle file; nil uses the system store.
    public var caBundlePath: String?
    /// "sha256//BASE64[;sha256//BASE64…]": SHA-256 digests of accepted server public keys.
    public var pinnedPublicKey: String?
    /// Lowest TLS version offered: "1.2" or "1.3".
    public var minimumTLSVersion: String
    /// An egress proxy to tunnel through, or nil to connect directly.
    public var proxy: UpstreamProxy?

    public init(
        connectTimeout: Double = 5,
        totalTimeout: Double = 30,
        maxConcurrentRequests: Int = 64,
        maxQueuedRequests: Int = 1024,
        responseLimits: HTTPResponseLimits = HTTPResponseLimits(),
        retriesBeforeResponse: Int = 1,
        idleTimeout: Double = 20,
        caBundlePath: String? = nil,
        pinnedPublicKey: String? = nil,
        minimumTLSVersion: String = "1.2",
        proxy: UpstreamProxy? = nil
    ) {
        self.proxy = proxy
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxConcurrentRequests = maxConcurrentRequests
        self.maxQueuedRequests = maxQueuedRequests
        self.responseLimits = responseLimits
        self.retriesBeforeResponse = retriesBeforeResponse
        self.idleTimeout = idleTimeout
        self.caBundlePath = caBundlePath
        self.pinnedPublicKey = pinnedPublicKey
        self.minimumTLSVersion = minimumTLSVersion
    }
}
