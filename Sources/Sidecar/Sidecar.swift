import Dispatch
import FreedomPayJWS
import HTTPServer
import Logging
import SocketLoop
import Synchronization
import Upstream

/// The assembled sidecar: proxy listener, admin listener, key store, upstream, metrics.
public final class Sidecar: Sendable {
    public static let version = "0.1.0"

    public let configuration: SidecarConfiguration
    public let metrics: SidecarMetrics
    public let keyStore: KeyStore
    public let readiness: Readiness
    let logger: Logger
    let proxyServer: HTTPServer
    let adminServer: HTTPServer
    let upstream: any UpstreamClient
    private let onShutdown: @Sendable () -> Void

    init(configuration: SidecarConfiguration, metrics: SidecarMetrics, keyStore: KeyStore, readiness: Readiness, logger: Logger, proxyServer: HTTPServer, adminServer: HTTPServer, upstream: any UpstreamClient, onShutdown: @escaping @Sendable () -> Void) {
        self.configuration = configuration
        self.metrics = metrics
        self.keyStore = keyStore
        self.readiness = readiness
        self.logger = logger
        self.proxyServer = proxyServer
        self.adminServer = adminServer
        self.upstream = upstream
        self.onShutdown = onShutdown
    }

    /// The proxy's bound address (the real port when configured with port 0).
    public var address: ListenAddress { proxyServer.address }
    public var adminAddress: ListenAddress { adminServer.address }

    public func start() {
        proxyServer.start()
        adminServer.start()
        logger.notice("sidecar started", metadata: [
            "listen": "\(address)", "admin_listen": "\(adminAddress)", "upstream": "\(upstreamDescription)",
            "alg": "\(keyStore.algorithm.rawValue)", "key_source": "\(keyStore.source)", "version": "\(Sidecar.version)",
        ])
        if configuration.upstream == .sandbox {
            logger.warning("upstream is the in-process sandbox emulator: nothing is sent to Freedom Pay; set --upstream for real refunds")
        }
    }

    /// Re-reads the key file; a bad new key keeps the old one and is logged and counted.
    public func reloadKey(onlyIfChanged: Bool, reason: String) {
        switch keyStore.reload(onlyIfChanged: onlyIfChanged) {
        case .unchanged:
            return
        case .reloaded:
            metrics.keyReloaded(success: true)
            logger.notice("signing key reloaded", metadata: ["reason": "\(reason)"])
        case .failed(let why):
            metrics.keyReloaded(success: false)
            logger.error("signing key reload failed; keeping the previous key", metadata: ["reason": "\(reason)", "error": "\(why)"])
        }
    }

    /// Reports not ready, stops accepting, lets in-flight requests finish (at most
    /// `drainTimeout` seconds), then closes the admin listener. Returns whether everything drained.
    public func shutdown() async -> Bool {
        readiness.startDraining()
        logger.notice("draining", metadata: ["in_flight_connections": .stringConvertible(proxyServer.openConnectionCount)])
        let drained = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let once = OnceFlag()
            proxyServer.drain { if once.claim() { continuation.resume(returning: true) } }
            DispatchQueue.global().asyncAfter(deadline: .now() + configuration.drainTimeout) {
                if once.claim() { continuation.resume(returning: false) }
            }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            adminServer.drain { continuation.resume() }
        }
        onShutdown()
        if !drained {
            logger.warning("drain timed out; open connections were abandoned", metadata: ["drain_timeout_seconds": .stringConvertible(configuration.drainTimeout)])
        }
        logger.notice("stopped", metadata: ["drained": .stringConvertible(drained)])
        return drained
    }

    private var upstreamDescription: String {
        switch configuration.upstream {
        case .sandbox: "sandbox (in-process emulator)"
        case .url(let url): url
        }
    }
}

/// Lets exactly one of several racing callers through.
final class OnceFlag: Sendable {
    private let claimed = Atomic(false)
    func claim() -> Bool { claimed.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged }
}

