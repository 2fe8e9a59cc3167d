import Dispatch
import HTTP1
import SocketLoop

/// The connections of one event loop to one origin: idle keep-alive connections (most
/// recently used first), a bound on open connections, a bounded FIFO of requests waiting
/// for one, retries, and the resolved addresses. Touched only on its loop (the resolver
/// hands its answer back through `loop.execute`), hence `@unchecked Sendable`.
final class UpstreamPool: DeadlineHandler, @unchecked Sendable {
    let loop: EventLoop
    let origin: UpstreamOrigin
    unowned let client: HTTPUpstreamClient
    let maxConnections: Int
    let maxQueued: Int
    let idleTimeout: UInt64
    var responseLimits: HTTPResponseLimits { client.configuration.responseLimits }
    var proxy: UpstreamProxy? { client.configuration.proxy }

    private var idle: [UpstreamConnection] = []
    /// Open connections, idle ones included, plus those being resolved or connected.
    private var openConnections = 0
    private var waiting: [UpstreamExchange] = []
    private var waitingHead = 0
    private var addresses: [SocketAddress] = []
    private var addressesExpire: UInt64 = 0
    private var nextAddress = 0
    private var resolving = false
    private var awaitingAddresses: [UpstreamExchange] = []

    private static let addressLifetime: UInt64 = 30_000_000_000

    init(loop: EventLoop, origin: UpstreamOrigin, client: HTTPUpstreamClient, maxConnections: Int, maxQueued: Int) {
        self.loop = loop
        self.origin = origin
        self.client = client
        self.maxConnections = maxConnections
        self.maxQueued = maxQueued
        self.idleTimeout = UInt64(client.configuration.idleTimeout * 1e9)
    }

    var queuedCount: Int { waiting.count - waitingHead }

    func submit(_ exchange: UpstreamExchange) {
        if exchange.singleUse && openConnections >= maxConnections && !idle.isEmpty {
            // A fresh connection of its own: an idle one gives up its slot.
            idle.removeLast().closeIdle()
            openConnections -= 1
        }
        if !exchange.singleUse, let connection = idle.popLast() {
            exchange.beginAttempt()
            client.attemptStarted()
            connection.reuse(for: exchange)
        } else if openConnections < maxConnections {
            openConnection(for: exchange)
        } else if queuedCount < maxQueued {
            waiting.append(exchange)
            client.queueChanged(by: 1)
            if queuedCount == 1 { loop.setDeadline(exchange.deadline, for: self) }
        } else {
            exchange.fail(.overloaded)
        }
    }

    /// Closes idle connections; busy ones finish their exchange.
    func closeIdleConnections() {
        let closing = idle
        idle.removeAll()
        for connection in closing {
            connection.closeIdle()
            openConnections -= 1
        }
    }

    // MARK: Reports from connections

    func connectionBecameIdle(_ connection: UpstreamConnection) {
        if let next = dequeue() {
            if next.singleUse {
                // Never a used connection for it: this one closes, a fresh one takes its slot.
                connection.closeIdle()
                openConnections -= 1
                openConnection(for: next)
                return
            }
            next.beginAttempt()
            client.attemptStarted()
            connection.reuse(for: next)
        } else {
            idle.append(connection)
        }
    }

    /// A connection closed without failing an exchange (not reusable, idle timeout, peer close).
    func connectionClosed(_ connection: UpstreamConnection) {
        releaseSlot(of: connection)
        startWaitingExchange()
    }

    /// An attempt failed. A retry takes over the failed connection's slot.
    func connection(_ connection: UpstreamConnection, failed exchange: UpstreamExchange?, with error: UpstreamError, retryable: Bool) {
        releaseSlot(of: connection)
        if let exchange {
            if exchange.mayRetry(retryable) && exchange.attempts <= client.configuration.retriesBeforeResponse
                && EventLoop.now() < exchange.deadline
            {
                // A fresh connection: a pooled one may be just as stale as the one that failed.
                openConnection(for: exchange)
                return
            }
            exchange.fail(error)
        }
        startWaitingExchange()
    }

    func deadlineDidPass(now: UInt64) {
        while waitingHead < waiting.count, waiting[waitingHead].deadline <= now {
            let expired = waiting[waitingHead]
            waitingHead += 1
            client.queueChanged(by: -1)
            expired.fail(.timedOut("no upstream connection became free within the upstream timeout"))
        }
        compactQueue()
        if queuedCount > 0 { loop.setDeadline(waiting[waitingHead].deadline, for: self) }
    }

    // MARK: Connections

    private func releaseSlot(of connection: UpstreamConnection) {
        if let index = idle.firstIndex(where: { $0 === connection }) { idle.remove(at: index) }
        openConnections -= 1
    }

    private func startWaitingExchange() {
        guard openConnections < maxConnections, let next = dequeue() else { return }
        openConnection(for: next)
    }

    private func dequeue() -> UpstreamExchange? {
        guard waitingHead < waiting.count else { return nil }
        let next = waiting[waitingHead]
        waitingHead += 1
        client.queueChanged(by: -1)
        compactQueue()
        if queuedCount == 0 { loop.setDeadline(nil, for: self) }
        return next
    }

    private func compactQueue() {
        if waitingHead == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            waitingHead = 0
        } else if waitingHead > 64 && waitingHead * 2 > waiting.count {
            waiting.removeFirst(waitingHead)
            waitingHead = 0
        }
    }

    private func openConnection(for exchange: UpstreamExchange) {
        openConnections += 1
        if !addresses.isEmpty && EventLoop.now() < addressesExpire {
            connect(exchange)
            return
        }
        awaitingAddresses.append(exchange)
        guard !resolving else { return }
        resolving = true
        // Through an egress proxy, the proxy is what this machine connects to.
        let host = proxy?.host ?? origin.host
        let port = proxy?.port ?? origin.port
        // getaddrinfo blocks: it runs off the loop, and only when the cached answer expired.
        DispatchQueue.global().async { [loop] in
            let result = Result { () throws(ResolveError) in try SocketAddress.resolve(host: host, port: port) }
            loop.execute { self.resolved(result) }
        }
    }

    private func resolved(_ result: Result<[SocketAddress], ResolveError>) {
        resolving = false
        let pending = awaitingAddresses
        awaitingAddresses = []
        switch result {
        case .success(let list) where !list.isEmpty:
            addresses = list
            let literal = SocketAddress(ipLiteral: proxy?.host ?? origin.host, port: 1) != nil
            addressesExpire = literal ? .max : EventLoop.now() + UpstreamPool.addressLifetime
            pending.forEach(connect)
        case .success:
            failUnresolved(pending, "cannot resolve \(origin.host): no addresses")
        case .failure(let error):
            failUnresolved(pending, error.description)
        }
    }

    private func failUnresolved(_ exchanges: [UpstreamExchange], _ message: String) {
        for exchange in exchanges {
            openConnections -= 1
            exchange.beginAttempt()
            client.attemptStarted()
            exchange.fail(
                proxy == nil ? .unreachable(message) : .proxyFailed(code: "upstream_proxy_unreachable", message: "egress proxy: \(message)")
            )
        }
        startWaitingExchange()
    }

    private func connect(_ exchange: UpstreamExchange) {
        exchange.beginAttempt()
        client.attemptStarted()
        let address = addresses[nextAddress % addresses.count]
        nextAddress &+= 1
        let socket: (fd: Int32, connected: Bool)
        do {
            socket = try ClientSocket.connect(to: address)
        } catch {
            let retryable = error.errno == ECONNREFUSED || error.errno == ECONNRESET
            openConnections -= 1
            if retryable && exchange.attempts <= client.configuration.retriesBeforeResponse && EventLoop.now() < exchange.deadline {
                openConnection(for: exchange)
            } else if proxy != nil {
                exchange.fail(.proxyFailed(code: "upstream_proxy_unreachable", message: "cannot connect to the egress proxy: \(error)"))
                startWaitingExchange()
            } else {
                exchange.fail(.unreachable("connect failed: \(error)"))
                startWaitingExchange()
            }
            return
        }
        let transport: UpstreamTransport
        do {
            transport = try client.makeTransport(fd: socket.fd, origin: origin)
        } catch {
            loop.closeDescriptor(socket.fd)
            openConnections -= 1
            exchange.fail(error)
            startWaitingExchange()
            return
        }
        let connection = UpstreamConnection(
            pool: self, fd: socket.fd, transport: transport, exchange: exchange,
            connectDeadline: EventLoop.now() + UInt64(client.configuration.connectTimeout * 1e9))
        connection.start(connected: socket.connected)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
