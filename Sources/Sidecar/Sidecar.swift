import Dispatch
import FreedomPayJWS
import HTTPServer
import Logging
import SocketLoop
import Synchronization
import Upstream

/// The assembled sidecar: proxy listener, admin listener, key store, upstream, metrics.
public final class Sidecar: Sendable {
    public static let version = buildVersion

    public let configuration: SidecarConfiguration
    public let metrics: SidecarMetrics
    public let keyStore: KeyStore
    /// The key stores of routes with their own key or algorithm (README "Per-route credentials").
    public let routeKeyStores: [KeyStore]
    public let readiness: Readiness
    let logger: Logger
    let proxyServer: HTTPServer
    let adminServer: HTTPServer
    /// The callback listener, when `callbackListen` is set (README "Callbacks").
    let callbackServer: HTTPServer?
    let upstream: any UpstreamClient
    private let onShutdown: @Sendable () -> Void

    init(
        configuration: SidecarConfiguration, metrics: SidecarMetrics, keyStore: KeyStore, routeKeyStores: [KeyStore] = [],
        readiness: Readiness, logger: Logger, proxyServer: HTTPServer, adminServer: HTTPServer, callbackServer: HTTPServer? = nil,
        upstream: any UpstreamClient,
        onShutdown: @escaping @Sendable () -> Void
    ) {
        self.configuration = configuration
        self.metrics = metrics
        self.keyStore = keyStore
        self.routeKeyStores = routeKeyStores
        self.readiness = readiness
        self.logger = logger
        self.proxyServer = proxyServer
        self.adminServer = adminServer
        self.callbackServer = callbackServer
        self.upstream = upstream
        self.onShutdown = onShutdown
    }

    /// The proxy's bound address (the real port when configured with port 0).
    public var address: ListenAddress { proxyServer.address }
    public var adminAddress: ListenAddress { adminServer.address }
    public var callbackAddress: ListenAddress? { callbackServer?.address }

    public func start() {
        proxyServer.start()
        adminServer.start()
        callbackServer?.start()
        logger.notice(
            "sidecar started",
            metadata: [
                "listen": "\(address)", "admin_listen": "\(adminAddress)", "upstream": "\(upstreamDescription)",
                "alg": "\(keyStore.algorithm.rawValue)", "key_source": "\(keyStore.source)", "version": "\(Sidecar.version)",
            ])
        if let callbackAddress {
            logger.notice(
                "callback listener started",
                metadata: ["callback_listen": "\(callbackAddress)", "callbacks": .stringConvertible(configuration.callbacks.count)])
        }
    }

    /// Every key store: the main one, then each route's own.
    public var keyStores: [KeyStore] { [keyStore] + routeKeyStores }

    /// Re-reads every key file; a bad new key keeps the old one and is logged and counted.
    public func reloadKey(onlyIfChanged: Bool, reason: String) {
        for store in keyStores {
            switch store.reload(onlyIfChanged: onlyIfChanged) {
            case .unchanged:
                continue
            case .reloaded:
                metrics.keyReloaded(success: true)
                logger.notice("signing key reloaded", metadata: ["reason": "\(reason)", "key_source": "\(store.source)"])
            case .failed(let why):
                metrics.keyReloaded(success: false)
                logger.error(
                    "signing key reload failed; keeping the previous key",
                    metadata: ["reason": "\(reason)", "key_source": "\(store.source)", "error": "\(why)"])
            }
        }
    }

    /// Reports not ready, stops accepting, lets in-flight requests finish (at most
    /// `drainTimeout` seconds), then closes the admin listener. Returns whether everything drained.
    public func shutdown() async -> Bool {
        readiness.startDraining()
        let inFlight = proxyServer.openConnectionCount + (callbackServer?.openConnectionCount ?? 0)
        let outcome = DrainOutcome()
        // The callback listener drains alongside: a callback in flight is answered, a new one
        // is refused at the socket and retried by Freedom Pay.
        let pending = DrainCountdown(count: callbackServer == nil ? 1 : 2) { outcome.settle(drained: true) }
        proxyServer.drain { pending.arrive() }
        callbackServer?.drain { pending.arrive() }
        // Logged once the listener refuses connections and every connection knows it is
        // draining, so that "draining" in the log means both.
        logger.notice("draining", metadata: ["in_flight_connections": .stringConvertible(inFlight)])
        DispatchQueue.global().asyncAfter(deadline: .now() + configuration.drainTimeout) { outcome.settle(drained: false) }
        let drained = await outcome.value
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            adminServer.drain { continuation.resume() }
        }
        onShutdown()
        if !drained {
            logger.warning(
                "drain timed out; open connections were abandoned",
                metadata: ["drain_timeout_seconds": .stringConvertible(configuration.drainTimeout)])
        }
        logger.notice("stopped", metadata: ["drained": .stringConvertible(drained)])
        return drained
    }

    private var upstreamDescription: String {
        switch configuration.upstream {
        case .sandbox: "sandbox (in-process emulator)"
        case .url(let url): url
        case nil: "none"
        }
    }
}

/// Whether a drain finished or timed out: the first `settle` wins, `value` waits for it.
final class DrainOutcome: Sendable {
    private let state = Mutex<(drained: Bool?, waiter: CheckedContinuation<Bool, Never>?)>((nil, nil))

    func settle(drained: Bool) {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard state.drained == nil else { return nil }
            state.drained = drained
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: drained)
    }

    var value: Bool {
        get async {
            await withCheckedContinuation { continuation in
                let settled = state.withLock { state -> Bool? in
                    if state.drained == nil { state.waiter = continuation }
                    return state.drained
                }
                if let settled { continuation.resume(returning: settled) }
            }
        }
    }
}

/// Calls `done` once `arrive` has been called `count` times.
final class DrainCountdown: Sendable {
    private let left: Mutex<Int>
    private let done: @Sendable () -> Void

    init(count: Int, done: @escaping @Sendable () -> Void) {
        left = Mutex(count)
        self.done = done
    }

    func arrive() {
        let finished = left.withLock { left -> Bool in
            left -= 1
            return left == 0
        }
        if finished { done() }
    }
}
