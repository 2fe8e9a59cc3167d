import FreedomPayJWS
import HTTPServer
import Logging
import Sandbox
import SocketLoop
import Upstream
import Glibc

/// Why the sidecar cannot start. Messages are for operators and never contain key material.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Checks what `buildSidecar` needs without binding sockets: merchant id, key, upstream, addresses.
public func validateConfiguration(_ configuration: SidecarConfiguration) throws(StartupError) {
    _ = try loadKeyStore(configuration)
    if case .url(let url) = configuration.upstream { _ = try upstreamBaseURL(url) }
    try checkTimeouts(configuration)
    for address in [configuration.listen, configuration.adminListen] {
        do { _ = try ListenAddress(parsing: address) } catch { throw StartupError(error.description) }
    }
}

func loadKeyStore(_ configuration: SidecarConfiguration) throws(StartupError) -> KeyStore {
    guard !configuration.authID.isEmpty else { throw StartupError("no merchant id: set --auth-id or FREEDOMPAY_AUTH_ID") }
    guard let keySource = configuration.key else { throw StartupError("no key: set --key-file, FREEDOMPAY_KEY_FILE or FREEDOMPAY_KEY") }
    do {
        return try KeyStore(source: keySource, algorithm: configuration.algorithm)
    } catch {
        throw StartupError(error.description)
    }
}

/// Builds the whole sidecar from configuration: key, upstream, routes, listeners.
/// `upstream` replaces the configured upstream client (tests pass a fake).
public func buildSidecar(configuration: SidecarConfiguration, logger: Logger, upstream override: (any UpstreamClient)? = nil) throws(StartupError) -> Sidecar {
    let keyStore = try loadKeyStore(configuration)
    try checkTimeouts(configuration)
    let loops: EventLoopGroup
    do {
        loops = try EventLoopGroup(count: configuration.eventLoops ?? AvailableCPUs.count)
    } catch {
        throw StartupError("cannot create event loops: \(error)")
    }
    let metrics = SidecarMetrics(version: Sidecar.version, loops: loops)

    let upstream: any UpstreamClient
    let baseURL: String
    var shutdownUpstream: @Sendable () -> Void = {}
    switch (override, configuration.upstream) {
    case (let client?, .url(let url)):
        upstream = client
        baseURL = url
    case (let client?, .sandbox):
        upstream = client
        baseURL = "http://sandbox.invalid"
    case (nil, .sandbox):
        upstream = SandboxEmulator(keyStore: keyStore, merchantID: configuration.authID, keyID: configuration.keyID)
        baseURL = "http://sandbox.invalid"
    case (nil, .url(let url)):
        baseURL = try upstreamBaseURL(url)
        var client = UpstreamClientConfiguration()
        client.connectTimeout = configuration.upstreamConnectTimeout
        client.totalTimeout = configuration.upstreamTimeout
        client.maxConcurrentRequests = configuration.maxConcurrentUpstream
        client.maxQueuedRequests = configuration.maxQueuedUpstream
        client.caBundlePath = configuration.caBundlePath
        client.pinnedPublicKey = configuration.pinnedPublicKey
        do {
            let http = try HTTPUpstreamClient(configuration: client, loops: loops)
            if baseURL.hasPrefix("https://") { try http.prepareTLS() }
            upstream = http
            shutdownUpstream = { http.shutdown() }
        } catch {
            throw StartupError("upstream client: \(error)")
        }
    }

    let proxy = ProxyResponder(
        routes: configuration.routes, keyStore: keyStore, merchantID: configuration.authID, keyID: configuration.keyID,
        upstream: upstream, upstreamBaseURL: baseURL, metrics: metrics, logger: logger,
        userAgent: "freedompay-sidecar/\(Sidecar.version)", loops: loops)
    let readiness = Readiness()
    let serverConfiguration = HTTPServerConfiguration(
        limits: configuration.limits, requestReadTimeout: configuration.headerTimeout,
        idleTimeout: configuration.idleTimeout, maxConnections: configuration.maxConnections)
    let proxyServer = HTTPServer(listener: try listener(configuration.listen, mode: configuration.unixSocketMode), configuration: serverConfiguration, loops: loops, responder: proxy)
    let admin = AdminResponder(readiness: readiness, metrics: metrics, keyStore: keyStore, upstreamConfigured: true)
    let adminServer = HTTPServer(listener: try listener(configuration.adminListen, mode: configuration.unixSocketMode), configuration: HTTPServerConfiguration(maxConnections: 64), loops: loops, responder: admin)
    return Sidecar(configuration: configuration, metrics: metrics, keyStore: keyStore, readiness: readiness, logger: logger,
                   proxyServer: proxyServer, adminServer: adminServer, upstream: upstream, onShutdown: shutdownUpstream)
}

/// The validated base URL. It may not carry a path: the JWS signs the route's path as
/// `uri`, so a prefix would make the signed and the requested path differ.
func upstreamBaseURL(_ url: String) throws(StartupError) -> String {
    let endpoint: UpstreamEndpoint
    do {
        endpoint = try UpstreamEndpoint(url)
    } catch {
        throw StartupError("upstream \(url): \(error)")
    }
    let afterScheme = endpoint.baseURL.split(separator: "://", maxSplits: 1).last ?? ""
    guard !afterScheme.contains("/") else { throw StartupError("upstream \(url): give the origin only (scheme://host[:port]), without a path") }
    return endpoint.baseURL
}

/// A refund still in flight when the drain ends would be abandoned after Freedom Pay got it.
func checkTimeouts(_ configuration: SidecarConfiguration) throws(StartupError) {
    guard configuration.drainTimeout > configuration.upstreamTimeout else {
        throw StartupError("drain timeout (\(configuration.drainTimeout) s) must exceed the upstream timeout (\(configuration.upstreamTimeout) s), or SIGTERM could abandon a refund in flight")
    }
}

func listener(_ text: String, mode: UInt32) throws(StartupError) -> Listener {
    do {
        return try Listener(address: try ListenAddress(parsing: text), unixSocketMode: mode_t(mode))
    } catch let error as ListenAddress.ParseError {
        throw StartupError(error.description)
    } catch {
        throw StartupError("cannot listen on \(text): \(error)")
    }
}
