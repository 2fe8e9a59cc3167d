import Dispatch
import HTTP1
import SocketLoop
import Synchronization

/// An HTTP/1.1 server: a listener, its connections, and a responder.
public final class HTTPServer: Sendable {
    public let configuration: HTTPServerConfiguration
    private let listener: Listener
    private let loops: EventLoopGroup
    private let responder: any HTTPResponder
    /// Request bodies held by this server's connections (possibly shared with other servers).
    public let bodyBudget: BodyBudget
    private let connections = Mutex(ConnectionTable())
    private let state = Mutex(DrainState())

    private struct ConnectionTable {
        var drivers: [ObjectIdentifier: HTTPConnectionDriver] = [:]
        /// Most connections open at once since the table was last empty.
        var peak = 0
    }

    /// Open connections at least this high before the table empties count as a burst, after
    /// which memory is given back to the system.
    private static let burstConnections = 64

    private struct DrainState {
        var draining = false
        var onDrained: [@Sendable () -> Void] = []
    }

    public init(
        listener: Listener, configuration: HTTPServerConfiguration = HTTPServerConfiguration(), loops: EventLoopGroup = .shared,
        bodyBudget: BodyBudget? = nil, responder: any HTTPResponder
    ) {
        self.listener = listener
        self.loops = loops
        self.configuration = configuration
        self.responder = responder
        self.bodyBudget = bodyBudget ?? BodyBudget(capacity: configuration.maxBufferedBodyBytes, onBurstEnd: MemoryTrim.afterBurst)
    }

    /// The bound address (with the real port when bound to port 0).
    public var address: ListenAddress { listener.address }

    public var openConnectionCount: Int { connections.withLock { $0.drivers.count } }

    public func start() {
        listener.start { [self] fd in accept(fd) }
    }

    /// Stops accepting, lets requests in progress finish, closes idle connections, and calls
    /// `onDrained` once no connection is left.
    public func drain(onDrained: @escaping @Sendable () -> Void) {
        listener.stop()
        state.withLock {
            $0.draining = true
            $0.onDrained.append(onDrained)
        }
        let open = connections.withLock { Array($0.drivers.values) }
        for driver in open {
            driver.connection.loop.execute { driver.drain() }
        }
        notifyIfDrained()
    }

    /// Stops accepting and closes every connection now, answered or not (tests, and the
    /// end of a drain that timed out). Returns once each connection's loop has closed it.
    public func stop() async {
        listener.stop()
        state.withLock { $0.draining = true }
        let open = connections.withLock { Array($0.drivers.values) }
        for driver in open {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                driver.connection.loop.execute {
                    driver.connection.close()
                    continuation.resume()
                }
            }
        }
    }

    private func accept(_ fd: Int32) {
        let now = EventLoop.now()
        let connection = Connection(fd: fd, loop: loops.next())
        let driver = HTTPConnectionDriver(
            connection: connection, configuration: configuration, responder: responder, budget: bodyBudget, acceptedAt: now
        ) { [self] driver in
            let burstEnded = connections.withLock { table in
                guard table.drivers.removeValue(forKey: ObjectIdentifier(driver)) != nil, table.drivers.isEmpty else { return false }
                defer { table.peak = 0 }
                return table.peak >= HTTPServer.burstConnections
            }
            if burstEnded { MemoryTrim.afterBurst() }
            notifyIfDrained()
        }
        let (admitted, evicted) = connections.withLock { table -> (Bool, HTTPConnectionDriver?) in
            var evicted: HTTPConnectionDriver?
            if table.drivers.count >= configuration.maxConnections {
                guard let victim = HTTPServer.claimEvictable(in: table.drivers, now: now) else { return (false, nil) }
                table.drivers.removeValue(forKey: ObjectIdentifier(victim))
                evicted = victim
            }
            table.drivers[ObjectIdentifier(driver)] = driver
            table.peak = max(table.peak, table.drivers.count)
            return (true, evicted)
        }
        if let evicted { evicted.connection.loop.execute { evicted.evict() } }
        guard admitted else {
            Connection.reject(fd: fd, with: responder.response(for: .tooManyConnections).serialized(keepAlive: false))
            return
        }
        let draining = state.withLock { $0.draining }
        connection.loop.execute { driver.start(draining: draining) }
    }

    /// Claims the connection that has been idle or silent the longest (oldest first), so that
    /// its loop drops it even if it sent a byte meanwhile; `nil` when every one is busy.
    private static func claimEvictable(in drivers: [ObjectIdentifier: HTTPConnectionDriver], now: UInt64) -> HTTPConnectionDriver? {
        while true {
            var oldest: (since: UInt64, driver: HTTPConnectionDriver)?
            for driver in drivers.values {
                let since = driver.evictableSince.load(ordering: .acquiring)
                guard since != 0, since != HTTPConnectionDriver.evictionClaimed, since <= now else { continue }
                if oldest.map({ since < $0.since }) ?? true { oldest = (since, driver) }
            }
            guard let oldest else { return nil }
            // Lost the race to the connection's own loop (it just received bytes): look again.
            if oldest.driver.evictableSince.compareExchange(
                expected: oldest.since, desired: HTTPConnectionDriver.evictionClaimed, ordering: .acquiringAndReleasing
            ).exchanged {
                return oldest.driver
            }
        }
    }

    private func notifyIfDrained() {
        let callbacks: [@Sendable () -> Void] = state.withLock { state in
            guard state.draining, connections.withLock({ $0.drivers.isEmpty }) else { return [] }
            defer { state.onDrained = [] }
            return state.onDrained
        }
        callbacks.forEach { $0() }
    }
}
