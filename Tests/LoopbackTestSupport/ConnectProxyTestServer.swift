import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking egress proxy for tests on an ephemeral 127.0.0.1 port, speaking only
/// `CONNECT` (RFC 9110 §9.3.6): one thread accepts, one thread per connection reads the
/// CONNECT request head, records it, checks the credentials if some are required (407 with
/// `Proxy-Authenticate` otherwise), then behaves as told — refuse with a status, close
/// without answering, or connect to the target, answer `200 Connection established` and
/// relay bytes both ways (with poll(2), in the same thread) until both sides closed.
/// `@unchecked Sendable`: mutable state is behind `condition`.
public final class ConnectProxyTestServer: @unchecked Sendable {
    /// What the proxy does with a CONNECT request whose credentials are acceptable.
    public enum Behavior: Sendable {
        /// Connect to the target, answer 200 and relay (502 if the target cannot be reached).
        case tunnel
        /// Answer `HTTP/1.1 status reason` and close, connecting nowhere.
        case refuse(status: Int, reason: String)
        /// Close the connection without answering.
        case closeWithoutAnswer
    }

    public let port: UInt16
    /// `user:password` that `Proxy-Authorization: Basic …` must carry, or nil to require none.
    public let requiredCredentials: String?
    public let behavior: Behavior
    private let acceptor: LoopbackAcceptor
    private let condition = NSCondition()
    private var _requests: [ReceivedRequest] = []
    private var connections = 0
    private var tunnels = 0
    private var runningThreads = 0
    /// Descriptors of connections and tunnels in use; each is removed (under the lock) by
    /// its thread before that thread closes it, so `stop` only ever shuts down open ones.
    private var openDescriptors: Set<Int32> = []
    private var stopped = false

    public init(requiredCredentials: String? = nil, behavior: Behavior = .tunnel) throws {
        self.requiredCredentials = requiredCredentials
        self.behavior = behavior
        acceptor = try LoopbackAcceptor()
        port = acceptor.port
        acceptor.start { [self] fd in accepted(fd) }
    }

    /// `http://127.0.0.1:port`, the proxy URL a client is configured with.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// The CONNECT request heads received, in order (`connection` numbers the TCP connection).
    public var requests: [ReceivedRequest] { condition.withLock { _requests } }
    /// TCP connections accepted.
    public var connectionCount: Int { condition.withLock { connections } }
    /// Tunnels opened: CONNECT requests answered with 200.
    public var tunnelCount: Int { condition.withLock { tunnels } }

    /// Stops accepting, shuts down every connection and tunnel, and returns once every
    /// connection thread has closed its descriptors (within 10 s). Idempotent.
    public func stop() {
        acceptor.stop()
        condition.lock()
        stopped = true
        for fd in openDescriptors { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        let deadline = Date(timeIntervalSinceNow: 10)
        while runningThreads > 0 && condition.wait(until: deadline) {}
        condition.unlock()
    }

    private func accepted(_ fd: Int32) {
        let index: Int? = condition.withLock {
            guard !stopped else { return nil }
            defer { connections += 1 }
            runningThreads += 1
            openDescriptors.insert(fd)
            return connections
        }
        guard let index else {
            Glibc.close(fd)
            return
        }
        let thread = Thread { [self] in
            serve(fd, connection: index)
            release(fd)
            condition.withLock {
                runningThreads -= 1
                condition.broadcast()
            }
        }
        thread.start()
    }

    /// Tracks a descriptor so that `stop` can shut it down; false (and closed) once stopped.
    private func track(_ fd: Int32) -> Bool {
        let admitted = condition.withLock {
            guard !stopped else { return false }
            openDescriptors.insert(fd)
            return true
        }
        if !admitted { Glibc.close(fd) }
        return admitted
    }

    private func release(_ fd: Int32) {
        condition.withLock { _ = openDescriptors.remove(fd) }
        Glibc.close(fd)
    }

    private func serve(_ client: Int32, connection: Int) {
        guard let (head, rest) = Self.readHead(client) else { return }
        let request = ReceivedRequest(head: head, body: [], connection: connection)
        condition.withLock { _requests.append(request) }
        let parts = request.requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "CONNECT", parts[2] == "HTTP/1.1" else {
            _ = Self.sendAll(Self.answer(400, "Bad Request"), to: client)
            return
        }
        if let requiredCredentials {
            let expected = "Basic " + Data(requiredCredentials.utf8).base64EncodedString()
            guard request.headerValues("Proxy-Authorization") == [expected] else {
                _ = Self.sendAll(
                    Self.answer(407, "Proxy Authentication Required", extra: "Proxy-Authenticate: Basic realm=\"test-proxy\"\r\n"),
                    to: client)
                return
            }
        }
        switch behavior {
        case .closeWithoutAnswer:
            return
        case .refuse(let status, let reason):
            _ = Self.sendAll(Self.answer(status, reason), to: client)
            return
        case .tunnel:
            break
        }
        guard let target = connectToTarget(String(parts[1])) else {
            _ = Self.sendAll(Self.answer(502, "Bad Gateway"), to: client)
            return
        }
        defer { release(target) }
        condition.withLock { tunnels += 1 }
        guard Self.sendAll(Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8), to: client),
            rest.isEmpty || Self.sendAll(rest, to: target)
        else { return }
        Self.relay(client, target)
    }

    /// A connected, tracked socket to `authority` (`host:port` or `[v6]:port`), or nil.
    private func connectToTarget(_ authority: String) -> Int32? {
        let host: Substring
        let port: Substring
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[authority.index(after: authority.startIndex)..<close]
            port = authority[authority.index(after: close)...].dropFirst()
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        } else {
            return nil
        }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(String(host), String(port), &hints, &list) == 0, let list else { return nil }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            entry = current.pointee.ai_next
            let fd = socket(current.pointee.ai_family, current.pointee.ai_socktype, current.pointee.ai_protocol)
            guard fd >= 0, track(fd) else { continue }
            if Glibc.connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 { return fd }
            release(fd)
        }
        return nil
    }

    /// Copies bytes both ways until both directions ended; an end of input on one side is
    /// passed on as a half-close (FIN) of the other. Any error ends both directions.
    private static func relay(_ client: Int32, _ target: Int32) {
        let ends = [client, target]
        var reading = [true, true]
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while reading[0] || reading[1] {
            var fds = (0..<2).map { pollfd(fd: reading[$0] ? ends[$0] : -1, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            for side in 0..<2 where reading[side] && fds[side].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { recv(ends[side], $0.baseAddress, $0.count, 0) }
                if count > 0 {
                    guard sendAll(Array(buffer[..<count]), to: ends[1 - side]) else { return }
                } else if count == 0 {
                    reading[side] = false
                    _ = shutdown(ends[1 - side], Int32(SHUT_WR))
                } else if errno != EINTR {
                    return
                }
            }
        }
    }

    /// The request head (through the blank line) and any bytes read after it, or nil if the
    /// connection ended first or the head exceeds 64 KiB.
    private static func readHead(_ fd: Int32) -> (head: [UInt8], rest: [UInt8])? {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count <= 64 * 1024 {
            if let end = endOfHead(received) {
                return (Array(received[..<end]), Array(received[end...]))
            }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer[..<count]
            } else if count == 0 || errno != EINTR {
                return nil
            }
        }
        return nil
    }

    /// The index just past the first CRLF CRLF in `bytes`.
    private static func endOfHead(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for start in 0...(bytes.count - 4) where bytes[start..<(start + 4)].elementsEqual([13, 10, 13, 10]) {
            return start + 4
        }
        return nil
    }

    private static func answer(_ status: Int, _ reason: String, extra: String = "") -> [UInt8] {
        Array("HTTP/1.1 \(status) \(reason)\r\n\(extra)Content-Length: 0\r\nConnection: close\r\n\r\n".utf8)
    }

    private static func sendAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 {
                offset += count
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }
}

/// Runs `body` with a CONNECT proxy test server, and stops it afterwards.
public func withConnectProxy<Result>(
    requiredCredentials: String? = nil, behavior: ConnectProxyTestServer.Behavior = .tunnel,
    isolation: isolated (any Actor)? = #isolation, _ body: (ConnectProxyTestServer) async throws -> Result
) async throws -> Result {
    let proxy = try ConnectProxyTestServer(requiredCredentials: requiredCredentials, behavior: behavior)
    defer { proxy.stop() }
    return try await body(proxy)
}
