import FreedomPayJWS
import Glibc
import HTTPServer
import Logging
import Sandbox
import SocketLoop
import Upstream

/// Why the sidecar cannot start. Messages are for operators and never contain key material.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Every reason the configuration cannot start, found without binding sockets: merchant id,
/// key, upstream, timeouts, addresses, egress proxy, CA bundle, pins. `check-config` prints
/// them all; `validateConfiguration` and `buildSidecar` refuse to start on any.
public func configurationProblems(_ configuration: SidecarConfiguration) -> [String] {
    var problems: [String] = []
    func check(_ body: () throws -> Void) {
        do { try body() } catch { problems.append((error as? StartupError)?.description ?? "\(error)") }
    }
    check { try checkMerchantID(configuration) }
    check { _ = try RouteKeys(routes: configuration.routes, main: try loadKey(configuration)) }
    check { try checkRouteMerchantIDs(configuration) }
    check { if case .url(let url) = try requiredUpstream(configuration) { _ = try upstreamBaseURL(url) } }
    check { try checkTimeouts(configuration) }
    for address in [configuration.listen, configuration.adminListen] {
        check {
            do throws(ListenAddress.ParseError) { _ = try ListenAddress(parsing: address) } catch { throw StartupError(error.description) }
        }
    }
    check { _ = try upstreamProxy(configuration) }
    check { try checkCABundle(configuration) }
    check { try checkPinsAndTLSVersion(configuration) }
    problems += callbackProblems(configuration)
    return problems
}

/// Throws every problem `configurationProblems` finds, as one error.
public func validateConfiguration(_ configuration: SidecarConfiguration) throws(StartupError) {
    let problems = configurationProblems(configuration)
    guard problems.isEmpty else { throw StartupError(problems.joined(separator: "; ")) }
}

/// The egress proxy with its credentials read from their file, or nil to connect directly.
func upstreamProxy(_ configuration: SidecarConfiguration) throws(StartupError) -> UpstreamProxy? {
    guard let url = configuration.upstreamProxy else {
        guard configuration.upstreamProxyCredentialsFile == nil else {
            throw StartupError("upstreamProxyCredentialsFile is set but upstreamProxy is not")
        }
        return nil
    }
    var credentials: String?
    if let path = configuration.upstreamProxyCredentialsFile {
        do {
            var bytes = try SecretFile.read(path, what: "upstream proxy credentials file").bytes[...]
            while let last = bytes.last, last == 0x0A || last == 0x0D { bytes = bytes.dropLast() }
            credentials = String(decoding: bytes, as: UTF8.self)
        } catch {
            throw StartupError(error.description)
        }
    }
    do {
        return try UpstreamProxy(url: url, credentials: credentials)
    } catch {
        throw StartupError(error.description)
    }
}

/// A CA bundle that cannot be read or a malformed pin would otherwise surface only at the
/// first refund, as a TLS failure.
func checkCABundle(_ configuration: SidecarConfiguration) throws(StartupError) {
    if let path = configuration.caBundlePath {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(path, R_OK) == 0 else {
            throw StartupError("caBundle \(path) is not a readable file")
        }
    }
}

func checkPinsAndTLSVersion(_ configuration: SidecarConfiguration) throws(StartupError) {
    if let pins = configuration.pinnedPublicKey {
        do { _ = try TLSSettings.parsePinnedPublicKeys(pins) } catch { throw StartupError("pinnedPublicKey: \(error.description)") }
    }
    guard ["1.2", "1.3"].contains(configuration.minimumTLSVersion) else {
        throw StartupError("minimumTLSVersion must be 1.2 or 1.3, got '\(configuration.minimumTLSVersion)'")
    }
}

/// The configured upstream; never implied, so that a typo cannot start the emulator.
func requiredUpstream(_ configuration: SidecarConfiguration) throws(StartupError) -> UpstreamTarget {
    guard let upstream = configuration.upstream else {
        throw StartupError(
            "no upstream: give --upstream https://api.freedompay.kz (or test-api.freedompay.kz), or --upstream sandbox for the in-process emulator; FREEDOMPAY_UPSTREAM or the config file's \"upstream\" work too"
        )
    }
    return upstream
}

func checkMerchantID(_ configuration: SidecarConfiguration) throws(StartupError) {
    guard !configuration.authID.isEmpty else { throw StartupError("no merchant id: set --auth-id or FREEDOMPAY_AUTH_ID") }
}

func loadKey(_ configuration: SidecarConfiguration) throws(StartupError) -> KeyStore {
    guard let keySource = configuration.key else { throw StartupError("no key: set --key-file, FREEDOMPAY_KEY_FILE or FREEDOMPAY_KEY") }
    do {
        return try KeyStore(source: keySource, algorithm: configuration.algorithm)
    } catch {
        throw StartupError(error.description)
    }
}

func loadKeyStore(_ configuration: SidecarConfiguration) throws(StartupError) -> KeyStore {
    try checkMerchantID(configuration)
    return try loadKey(configuration)
}

/// Builds the whole sidecar from configuration: key, upstream, routes, listeners.
/// `upstream` replaces the configured upstream client (tests pass a fake).
public func buildSidecar(configuration: SidecarConfiguration, logger: Logger, upstream override: (any UpstreamClient)? = nil)
    throws(StartupError) -> Sidecar
{
    try validateConfiguration(configuration)
    let target = try requiredUpstream(configuration)
    let keyStore = try loadKeyStore(configuration)
    let routeKeys = try RouteKeys(routes: configuration.routes, main: keyStore)
    let loops: EventLoopGroup
    do {
        loops = try EventLoopGroup(count: configuration.eventLoops ?? AvailableCPUs.count)
    } catch {
        throw StartupError("cannot create event loops: \(error)")
    }
    let metrics = SidecarMetrics(version: Sidecar.version, upstream: try upstreamLabel(target), loops: loops)

    let upstream: any UpstreamClient
    let baseURL: String
    var shutdownUpstream: @Sendable () -> Void = {}
    switch (override, target) {
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
        client.minimumTLSVersion = configuration.minimumTLSVersion
        client.proxy = try upstreamProxy(configuration)
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
        routes: configuration.routes, keys: routeKeys, merchantID: configuration.authID, keyID: configuration.keyID,
        upstream: upstream, upstreamBaseURL: baseURL, metrics: metrics, logger: logger,
        userAgent: "freedompay-sidecar/\(Sidecar.version)", loops: loops,
        idempotencyRecord: IdempotencyRecord(
            limit: configuration.idempotencyRecordLimit, maxAge: .milliseconds(Int64(configuration.idempotencyRecordMaxAge * 1000))),
        rejectUnverifiedAnswers: configuration.rejectUnverifiedAnswers)
    let readiness = Readiness()
    let serverConfiguration = HTTPServerConfiguration(
        limits: configuration.limits, requestReadTimeout: configuration.headerTimeout,
        idleTimeout: configuration.idleTimeout, maxConnections: configuration.maxConnections,
        maxBufferedBodyBytes: configuration.maxBufferedBodyBytes)
    // One budget for both listeners, so `maxBufferedBodyBytes` bounds all request bodies.
    let bodyBudget = BodyBudget(capacity: configuration.maxBufferedBodyBytes, onBurstEnd: MemoryTrim.afterBurst)
    let proxyServer = HTTPServer(
        listener: try listener(configuration.listen, mode: configuration.unixSocketMode), configuration: serverConfiguration, loops: loops,
        bodyBudget: bodyBudget, responder: proxy)
    let admin = AdminResponder(
        readiness: readiness, metrics: metrics, keyStore: keyStore, upstreamConfigured: true, sandbox: target == .sandbox)
    let adminServer = HTTPServer(
        listener: try listener(configuration.adminListen, mode: configuration.unixSocketMode),
        configuration: HTTPServerConfiguration(
            requestReadTimeout: configuration.headerTimeout, idleTimeout: configuration.idleTimeout,
            maxConnections: configuration.maxAdminConnections),
        loops: loops, bodyBudget: bodyBudget, responder: admin)
    let callbacks = try buildCallbackServer(configuration: configuration, loops: loops, metrics: metrics, logger: logger)
    return Sidecar(
        configuration: configuration, metrics: metrics, keyStore: keyStore, routeKeyStores: routeKeys.extra + (callbacks?.keyStores ?? []),
        readiness: readiness, logger: logger,
        proxyServer: proxyServer, adminServer: adminServer, callbackServer: callbacks?.server, upstream: upstream,
        onShutdown: { [callbacks, shutdownUpstream] in
            shutdownUpstream()
            callbacks?.shutdown()
        })
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
    guard !afterScheme.contains("/") else {
        throw StartupError("upstream \(url): give the origin only (scheme://host[:port]), without a path")
    }
    return endpoint.baseURL
}

/// The `upstream` label of `freedompay_sidecar_build_info`: `sandbox`, or the upstream's host
/// (`api.freedompay.kz`), so that a dashboard shows which Freedom Pay a replica talks to.
func upstreamLabel(_ target: UpstreamTarget) throws(StartupError) -> String {
    guard case .url(let url) = target else { return "sandbox" }
    let authority = try upstreamBaseURL(url).split(separator: "://", maxSplits: 1).last ?? ""
    if authority.hasPrefix("[") { return String(authority.prefix { $0 != "]" }) + "]" }
    return String(authority.prefix { $0 != ":" })
}

/// A refund still in flight when the drain ends would be abandoned after Freedom Pay got it.
func checkTimeouts(_ configuration: SidecarConfiguration) throws(StartupError) {
    guard configuration.drainTimeout > configuration.upstreamTimeout else {
        throw StartupError(
            "drain timeout (\(configuration.drainTimeout) s) must exceed the upstream timeout (\(configuration.upstreamTimeout) s), or SIGTERM could abandon a refund in flight"
        )
    }
}

/// `SO_RCVBUF` of client connections on both listeners: the kernel keeps at most about twice
/// this of unread input per connection (README "Memory under abuse"), and the server reads
/// no more than the body budget allows.
let clientReceiveBufferBytes: Int32 = 8192

func listener(_ text: String, mode: UInt32) throws(StartupError) -> Listener {
    do {
        return try Listener(
            address: try ListenAddress(parsing: text), unixSocketMode: mode_t(mode), receiveBufferBytes: clientReceiveBufferBytes)
    } catch let error as ListenAddress.ParseError {
        throw StartupError(error.description)
    } catch {
        throw StartupError("cannot listen on \(text): \(error)")
    }
}
