import HTTPServer
import Logging
import SocketLoop
import Upstream

/// The callback listener's configuration problems: it is on exactly when callbacks are
/// configured, its address parses, every callback has a merchant id and a usable secret.
func callbackProblems(_ configuration: SidecarConfiguration) -> [String] {
    var problems: [String] = []
    switch (configuration.callbackListen, configuration.callbacks.isEmpty) {
    case (nil, false):
        problems.append("callbacks are configured but callbackListen is off; set --callback-listen HOST:PORT")
    case (_?, true):
        problems.append("callbackListen is set but no callbacks are configured; add the config file's \"callbacks\" list")
    default:
        break
    }
    if let address = configuration.callbackListen {
        do throws(ListenAddress.ParseError) { _ = try ListenAddress(parsing: address) } catch {
            problems.append("callbackListen: \(error.description)")
        }
    }
    for callback in configuration.callbacks {
        if (callback.credentials.authID ?? configuration.authID).isEmpty {
            problems.append("callback \(callback.path): no merchant id; set authId or the callback's credentials.authId")
        }
    }
    do {
        _ = try callbackEntries(configuration)
    } catch {
        problems.append(error.description)
    }
    return problems
}

/// Each callback with the key store and merchant id that verify it; callbacks with the same
/// key source share a store. A callback without its own key uses the main key's secret.
func callbackEntries(_ configuration: SidecarConfiguration) throws(StartupError) -> [CallbackResponder.Entry] {
    guard !configuration.callbacks.isEmpty else { return [] }
    var stores: [KeyStore] = []
    var entries: [CallbackResponder.Entry] = []
    var problems: [String] = []
    for callback in configuration.callbacks {
        guard let source = callback.credentials.key ?? configuration.key else {
            problems.append("callback \(callback.path): no key; set keyFile or FREEDOMPAY_KEY, or the callback's credentials.keyFile")
            continue
        }
        let store: KeyStore
        if let shared = stores.first(where: { $0.source == source }) {
            store = shared
        } else {
            do {
                // pg_sig hashes the secret itself ("Signature generation"): loaded as an HMAC secret.
                store = try KeyStore(source: source, algorithm: .hs256)
            } catch {
                problems.append("callback \(callback.path): \(error.description)")
                continue
            }
            stores.append(store)
        }
        entries.append(
            CallbackResponder.Entry(route: callback, keyStore: store, merchantID: callback.credentials.authID ?? configuration.authID))
    }
    guard problems.isEmpty else { throw StartupError(problems.joined(separator: "; ")) }
    return entries
}

/// The callback listener and its own client to the app, or nil when it is off.
func buildCallbackServer(
    configuration: SidecarConfiguration, loops: EventLoopGroup, metrics: SidecarMetrics, logger: Logger
) throws(StartupError) -> (server: HTTPServer, keyStores: [KeyStore], shutdown: @Sendable () -> Void)? {
    guard let address = configuration.callbackListen else { return nil }
    let entries = try callbackEntries(configuration)
    var client = UpstreamClientConfiguration()
    client.totalTimeout = configuration.callbackAppTimeout
    client.connectTimeout = min(5, configuration.callbackAppTimeout)
    client.maxConcurrentRequests = configuration.callbackMaxConnections
    client.maxQueuedRequests = configuration.callbackMaxConnections
    let app: HTTPUpstreamClient
    do {
        app = try HTTPUpstreamClient(configuration: client, loops: loops)
        if configuration.callbacks.contains(where: { $0.forwardTo.hasPrefix("https://") }) { try app.prepareTLS() }
    } catch {
        throw StartupError("callback app client: \(error)")
    }
    metrics.registerCallbacks(paths: entries.map(\.route.path))
    let responder = CallbackResponder(
        entries: entries, app: app, repeats: CallbackRepeatRecord(capacity: configuration.callbackRepeatMemory), metrics: metrics,
        logger: logger, userAgent: "freedompay-sidecar/\(Sidecar.version)")
    let server = HTTPServer(
        listener: try listener(address, mode: configuration.unixSocketMode),
        configuration: HTTPServerConfiguration(
            limits: configuration.callbackLimits, requestReadTimeout: configuration.headerTimeout, idleTimeout: configuration.idleTimeout,
            maxConnections: configuration.callbackMaxConnections),
        loops: loops, responder: responder)
    var keyStores: [KeyStore] = []
    for entry in entries where !keyStores.contains(where: { $0 === entry.keyStore }) { keyStores.append(entry.keyStore) }
    return (server, keyStores, { app.shutdown() })
}
