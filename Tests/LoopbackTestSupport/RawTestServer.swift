import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A request as the test server read it off the socket.
public struct ReceivedRequest: Sendable {
    /// Request line and header lines, CRLFs included, up to and including the blank line.
    public var head: [UInt8]
    public var body: [UInt8]
    /// Index of the TCP connection it arrived on, from 0.
    public var connection: Int

    public var headText: String { String(decoding: head, as: UTF8.self) }

    /// Request line.
    public var requestLine: String { headLines.first ?? "" }

    /// Header lines without the request line, exactly as sent.
    public var headerLines: [String] { Array(headLines.dropFirst()) }

    private var headLines: [String] {
        headText.components(separatedBy: "\r\n").filter { !$0.isEmpty }
    }

    public func headerValues(_ name: String) -> [String] {
        headerLines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            guard line[..<colon].lowercased() == name.lowercased() else { return nil }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }
}

/// An accepted connection, handed to the handler with each request.
public final class TestConnection: @unchecked Sendable {
    public let index: Int
    /// The server's gate, for handlers that must hang until the test lets them go.
    public let gate: BlockingGate
    private let fd: Int32
    private var closed = false

    init(fd: Int32, index: Int, gate: BlockingGate) {
        self.fd = fd
        self.index = index
        self.gate = gate
    }

    public func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    public func write(_ text: String) { write(Array(text.utf8)) }

    /// Orderly close (FIN).
    public func close() {
        guard !closed else { return }
        closed = true
        _ = Glibc.close(fd)
    }

    /// Abortive close (RST).
    public func reset() {
        guard !closed else { return }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    /// Half close (FIN) without closing: the peer reads EOF, and this side can still read
    /// until the peer closes in turn.
    public func shutdownOutput() {
        guard !closed else { return }
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Blocks until bytes or an EOF can be read, consuming nothing.
    public func waitUntilReadable() {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&entry, 1, -1) < 0 && errno == EINTR {}
    }

    /// The bytes waiting to be read, left in place (MSG_PEEK): a later close with them
    /// unread is an abortive one (RST), as when a server closes as a request arrives.
    public func peek() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_PEEK)) }
        return n > 0 ? Array(buffer[0..<n]) : []
    }

    public func readSome() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return Array(buffer[0..<n])
    }
}

/// A one-way gate that hanging handlers block on until the test opens it.
public final class BlockingGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false

    public init() {}

    public func wait() {
        condition.lock()
        while !isOpen { condition.wait() }
        condition.unlock()
    }

    public func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }
}

/// A loopback HTTP/1.1 server for tests: POSIX sockets on 127.0.0.1, one thread for
/// accepting and one per connection. It reads each request (Content-Length bodies only),
/// records it, and lets the handler write whatever raw bytes the test wants.
public final class TestServer: @unchecked Sendable {
    /// Return true to keep reading requests on the connection, false to close it.
    public typealias Handler = @Sendable (ReceivedRequest, TestConnection) -> Bool

    public let port: UInt16
    public let gate = BlockingGate()
    private let acceptor: LoopbackAcceptor
    private let handler: Handler
    private let condition = NSCondition()
    private var _requests: [ReceivedRequest] = []
    private var _connections = 0
    private var waiters: [(count: Int, reached: Latch)] = []

    /// Bytes written as soon as a connection is accepted, after which it is closed
    /// without reading (for a client that expects to speak first, such as TLS).
    private let greeting: [UInt8]?

    public init(greeting: [UInt8]? = nil, handler: @escaping Handler = { _, _ in false }) throws {
        self.handler = handler
        self.greeting = greeting
        self.acceptor = try LoopbackAcceptor()
        self.port = acceptor.port
        acceptor.start { [self] client in
            condition.lock()
            let index = _connections
            _connections += 1
            condition.unlock()
            let connection = TestConnection(fd: client, index: index, gate: gate)
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public var requests: [ReceivedRequest] {
        condition.lock()
        defer { condition.unlock() }
        return _requests
    }

    public var connectionCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return _connections
    }

    /// Returns once `count` requests have been recorded. Suspends, never blocks a thread.
    public func waitForRequests(_ count: Int) async {
        let reached = Latch()
        condition.withLock {
            if _requests.count >= count { reached.open() } else { waiters.append((count, reached)) }
        }
        await reached.wait()
    }

    /// Opens the gate and stops accepting. Connection threads end when their peers close.
    public func stop() {
        gate.open()
        acceptor.stop()
    }

    private func serve(_ connection: TestConnection) {
        if let greeting {
            connection.write(greeting)
            connection.close()
            return
        }
        var buffer: [UInt8] = []
        while true {
            guard let headEnd = Self.find([13, 10, 13, 10], in: buffer) else {
                guard let more = connection.readSome() else { break }
                buffer += more
                continue
            }
            let head = Array(buffer[..<(headEnd + 4)])
            let length = Self.contentLength(head)
            while buffer.count < head.count + length {
                guard let more = connection.readSome() else {
                    connection.close()
                    return
                }
                buffer += more
            }
            let body = Array(buffer[head.count..<(head.count + length)])
            buffer.removeFirst(head.count + length)
            let request = ReceivedRequest(head: head, body: body, connection: connection.index)
            condition.lock()
            _requests.append(request)
            let total = _requests.count
            let ready = waiters.filter { $0.count <= total }
            waiters.removeAll { $0.count <= total }
            condition.unlock()
            ready.forEach { $0.reached.open() }
            if !handler(request, connection) { break }
        }
        connection.close()
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }

    private static func contentLength(_ head: [UInt8]) -> Int {
        let request = ReceivedRequest(head: head, body: [], connection: 0)
        return request.headerValues("Content-Length").first.flatMap { Int($0) } ?? 0
    }
}

public enum TestServerError: Error {
    case socket(Int32)
}

/// A bound but not listening 127.0.0.1 port: connecting to it is refused, and the
/// port stays reserved while the value lives.
public final class RefusingPort: @unchecked Sendable {
    public let port: UInt16
    private let fd: Int32

    public init() throws {
        (fd, port) = try LoopbackSocket.bind(listening: false)
    }

    deinit { Glibc.close(fd) }
}
