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
    private let connections = Mutex<[ObjectIdentifier: HTTPConnectionDriver]>([:])
    private let state = Mutex(DrainState())

    private struct DrainState {
        var draining = false
        var onDrained: [@Sendable () -> Void] = []
    }

    public init(
        listener: Listener, configuration: HTTPServerConfiguration = HTTPServerConfiguration(), loops: EventLoopGroup = .shared,
        responder: any HTTPResponder
    ) {
        self.listener = listener
        self.loops = loops
        self.configuration = configuration
        self.responder = responder
    }

    /// The bound address (with the real port when bound to port 0).
    public var address: ListenAddress { listener.address }

    public var openConnectionCount: Int { connections.withLock { $0.count } }

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
        let open = connections.withLock { Array($0.values) }
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
        let open = connections.withLock { Array($0.values) }
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
        let connection = Connection(fd: fd, loop: loops.next())
        let driver = HTTPConnectionDriver(connection: connection, configuration: configuration, responder: responder) { [self] driver in
            connections.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(driver)) }
            notifyIfDrained()
        }
        let admitted = connections.withLock { table in
            guard table.count < configuration.maxConnections else { return false }
            table[ObjectIdentifier(driver)] = driver
            return true
        }
        guard admitted else {
            Connection.reject(fd: fd, with: responder.response(for: .tooManyConnections).serialized(keepAlive: false))
            return
        }
        let draining = state.withLock { $0.draining }
        connection.loop.execute { driver.start(draining: draining) }
    }

    private func notifyIfDrained() {
        let callbacks: [@Sendable () -> Void] = state.withLock { state in
            guard state.draining, connections.withLock({ $0.isEmpty }) else { return [] }
            defer { state.onDrained = [] }
            return state.onDrained
        }
        callbacks.forEach { $0() }
    }
}
