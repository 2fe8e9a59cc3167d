import HTTP1
import SocketLoop
import Synchronization

/// The upstream client: HTTP/1.1 over pooled keep-alive connections on the caller's event
/// loop, TLS through OpenSSL. A request's whole exchange — connect, handshake, write, read,
/// parse — happens on the loop that sent it, with no thread hop and no lock.
///
/// Retries happen only when no byte of an answer arrived (refused, reset, a pooled
/// connection found closed), with the same bytes, within `totalTimeout`. Request bodies and
/// headers are never logged. The environment's proxy variables are ignored.
public final class HTTPUpstreamClient: UpstreamClient, @unchecked Sendable {
    public let configuration: UpstreamClientConfiguration
    public let loops: EventLoopGroup
    /// Per loop: its pools by origin. Each entry is touched only on its loop.
    private let poolsByLoop: [ObjectIdentifier: LoopPools]
    private let attempts = Atomic(0)
    private let queued = Atomic(0)
    private let isShutDown = Atomic(false)
    private let tlsSettings: TLSSettings
    /// Made on first use: OpenSSL's initialisation costs a few MB of memory that a sidecar
    /// talking plain HTTP to a loopback upstream (tests, benchmarks) never needs.
    private let tls = Mutex<TLSContext?>(nil)
    private let perLoopConnections: Int
    private let perLoopQueue: Int

    /// Pools of one loop; `last` saves the lookup when every request goes to one origin.
    /// Mutable state is touched only on `loop`.
    private final class LoopPools: @unchecked Sendable {
        let loop: EventLoop
        init(loop: EventLoop) { self.loop = loop }
        var byOrigin: [String: UpstreamPool] = [:]
        var last: UpstreamPool?
    }

    public init(configuration: UpstreamClientConfiguration = UpstreamClientConfiguration(), loops: EventLoopGroup = .shared)
        throws(UpstreamSetupError)
    {
        guard configuration.connectTimeout > 0, configuration.totalTimeout > 0, configuration.idleTimeout > 0 else {
            throw UpstreamSetupError("timeouts must be positive")
        }
        guard configuration.maxConcurrentRequests >= 1, configuration.maxQueuedRequests >= 0, configuration.retriesBeforeResponse >= 0
        else {
            throw UpstreamSetupError("limits out of range")
        }
        guard let minimumVersion = TLSVersion(rawValue: configuration.minimumTLSVersion) else {
            throw UpstreamSetupError("minimum TLS version must be 1.2 or 1.3, not \(configuration.minimumTLSVersion)")
        }
        var settings = TLSSettings(caBundlePath: configuration.caBundlePath, minimumVersion: minimumVersion)
        do {
            if let pins = configuration.pinnedPublicKey { settings.pinnedPublicKeys = try TLSSettings.parsePinnedPublicKeys(pins) }
        } catch {
            throw UpstreamSetupError(error.description)
        }
        tlsSettings = settings
        self.configuration = configuration
        self.loops = loops
        var pools: [ObjectIdentifier: LoopPools] = [:]
        for loop in loops.loops { pools[ObjectIdentifier(loop)] = LoopPools(loop: loop) }
        poolsByLoop = pools
        let count = loops.loops.count
        perLoopConnections = max(1, (configuration.maxConcurrentRequests + count - 1) / count)
        perLoopQueue = (configuration.maxQueuedRequests + count - 1) / count
    }

    public func send(_ request: UpstreamRequest, on loop: EventLoop, completion: @escaping UpstreamCompletion) {
        guard !isShutDown.load(ordering: .relaxed) else {
            completion(.failure(.unreachable("the upstream client is shut down")), 0)
            return
        }
        if let problem = request.problem {
            completion(.failure(.unreachable("invalid request: \(problem)")), 0)
            return
        }
        guard let (origin, target) = UpstreamOrigin.parse(request.url) else {
            completion(.failure(.unreachable("invalid request: URL")), 0)
            return
        }
        let exchange = UpstreamExchange(
            requestBytes: request.serialized(target: target, authority: origin.authority),
            requestWasHead: request.method == "HEAD", singleUse: request.singleUse,
            requestID: request.requestID,
            deadline: EventLoop.now() + UInt64(configuration.totalTimeout * 1e9),
            completion: completion)
        pool(for: origin, on: loop).submit(exchange)
    }

    /// For tests and tools off the loops: sends from one of the client's loops and waits.
    public func send(_ request: UpstreamRequest) async throws(UpstreamError) -> UpstreamResponse {
        try await send(request, on: loops.next())
    }

    /// Refuses new requests and closes idle connections; exchanges in flight finish.
    public func shutdown() {
        isShutDown.store(true, ordering: .relaxed)
        for pools in poolsByLoop.values {
            pools.loop.execute { pools.byOrigin.values.forEach { $0.closeIdleConnections() } }
        }
    }

    /// Attempts started since this client was created, retries included (successful or not).
    public var attemptCount: Int { attempts.load(ordering: .relaxed) }

    /// Requests waiting for a free connection right now.
    public var queuedRequests: Int { queued.load(ordering: .relaxed) }

    func attemptStarted() {
        attempts.add(1, ordering: .relaxed)
    }

    func queueChanged(by delta: Int) {
        queued.add(delta, ordering: .relaxed)
    }

    /// Builds the TLS context now (CA bundle loaded, settings applied), so that a bad CA
    /// bundle stops start-up instead of failing the first refund. Idempotent.
    public func prepareTLS() throws(UpstreamSetupError) {
        _ = try tlsContext()
    }

    private func tlsContext() throws(UpstreamSetupError) -> TLSContext {
        let result: Result<TLSContext, TLSSetupError> = tls.withLock { context in
            if let context { return .success(context) }
            let made = Result { () throws(TLSSetupError) in try TLSContext(settings: tlsSettings) }
            if case .success(let created) = made { context = created }
            return made
        }
        do {
            return try result.get()
        } catch {
            throw UpstreamSetupError(error.description)
        }
    }

    func makeTransport(fd: Int32, origin: UpstreamOrigin) throws(UpstreamError) -> UpstreamTransport {
        guard origin.useTLS else { return .plain }
        do {
            return .tls(try tlsContext().makeClientStream(fd: fd, serverName: origin.host))
        } catch {
            throw .tlsFailed(code: "upstream_tls_failed", message: error.description)
        }
    }

    private func pool(for origin: UpstreamOrigin, on loop: EventLoop) -> UpstreamPool {
        guard let pools = poolsByLoop[ObjectIdentifier(loop)] else {
            preconditionFailure("HTTPUpstreamClient used from a loop outside its group")
        }
        if let last = pools.last, last.origin == origin { return last }
        let key = "\(origin.useTLS ? "https" : "http")://\(origin.authority)"
        if let pool = pools.byOrigin[key] {
            pools.last = pool
            return pool
        }
        let pool = UpstreamPool(loop: loop, origin: origin, client: self, maxConnections: perLoopConnections, maxQueued: perLoopQueue)
        pools.byOrigin[key] = pool
        pools.last = pool
        return pool
    }
}

/// The client cannot be built from its configuration (message for operators).
public struct UpstreamSetupError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
