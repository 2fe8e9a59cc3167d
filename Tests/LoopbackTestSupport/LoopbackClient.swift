import Foundation
import HTTP1
import SocketLoop

#if canImport(Glibc)
    import Glibc
#endif

/// A response as a test client read it off the wire.
public struct ReceivedResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
    public func header(_ name: String) -> String? { headers.first(named: name) }
}

public struct LoopbackClientError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A socket client for driving servers byte by byte. Its blocking calls run on a private
/// Dispatch queue so that tests never block Swift's cooperative pool (the server under test
/// needs it). The receive timeout only bounds a broken test; nothing waits on it.
public final class LoopbackClient: @unchecked Sendable {
    private let fd: Int32
    private let queue = DispatchQueue(label: "loopback client")
    private var buffer: [UInt8] = []

    public init(_ address: ListenAddress, timeoutSeconds: Int = 30) throws {
        do {
            fd = try BlockingClientSocket.connect(to: address, timeoutSeconds: timeoutSeconds)
        } catch {
            throw LoopbackClientError("\(error)")
        }
    }

    /// A TCP client whose receive buffer is capped at `receiveBufferBytes` before it connects
    /// (SO_RCVBUF, which also turns off autotuning and so bounds the window it offers): for a
    /// client that reads nothing and must make the server's writes back up.
    public init(tcpPort port: UInt16, receiveBufferBytes: Int32, timeoutSeconds: Int = 30) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LoopbackClientError("socket: errno \(errno)") }
        var size = receiveBufferBytes
        var limit = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            Glibc.close(fd)
            throw LoopbackClientError("connect to 127.0.0.1:\(port): errno \(error)")
        }
        self.fd = fd
    }

    deinit { Glibc.close(fd) }

    public func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) async throws { try await offQueue { try self.sendBlocking(bytes) } }

    public func readResponse() async throws -> ReceivedResponse { try await offQueue { try self.readResponseBlocking() } }

    public func isClosedByPeer() async throws -> Bool { try await offQueue { try self.isClosedByPeerBlocking() } }

    /// Every byte the server sends until it closes the connection.
    public func readUntilClosed() async throws -> [UInt8] {
        try await offQueue {
            try self.readToEnd()
            defer { self.buffer.removeAll() }
            return self.buffer
        }
    }

    private func offQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    private func sendBlocking(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw LoopbackClientError("send failed: errno \(errno)") }
            offset += n
        }
    }

    /// Stops sending (half-close); the server still answers.
    public func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads one response framed by Content-Length (or until close when absent).
    private func readResponseBlocking() throws -> ReceivedResponse {
        let headEnd = try readUntil(Array("\r\n\r\n".utf8))
        let headText = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw LoopbackClientError("bad status line") }
        let headers = lines.map { line -> HTTPHeader in
            let parts = line.split(separator: ":", maxSplits: 1)
            return HTTPHeader(name: String(parts[0]), value: parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
        if let length = headers.first(named: "Content-Length").flatMap(Int.init) {
            try fill(atLeast: length)
            let body = Array(buffer.prefix(length))
            buffer.removeFirst(length)
            return ReceivedResponse(status: status, headers: headers, body: body)
        }
        if (100..<200).contains(status) || status == 204 || status == 304 {
            return ReceivedResponse(status: status, headers: headers, body: [])
        }
        try readToEnd()
        defer { buffer.removeAll() }
        return ReceivedResponse(status: status, headers: headers, body: buffer)
    }

    /// True when the server closed the connection (and sent nothing more).
    private func isClosedByPeerBlocking() throws -> Bool {
        if !buffer.isEmpty { return false }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        if n == 0 { return true }
        if n > 0 {
            buffer.append(byte)
            return false
        }
        if errno == ECONNRESET { return true }
        throw LoopbackClientError("recv: errno \(errno)")
    }

    /// Everything until the server closes.
    private func readToEnd() throws {
        while true {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 || (n < 0 && errno == ECONNRESET) { return }
            guard n > 0 else { throw LoopbackClientError("recv: errno \(errno)") }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    private func readUntil(_ marker: [UInt8]) throws -> Int {
        var searchFrom = 0
        while true {
            if buffer.count >= marker.count {
                for i in searchFrom...(buffer.count - marker.count) where buffer[i..<i + marker.count].elementsEqual(marker) {
                    return i
                }
                searchFrom = buffer.count - marker.count + 1
            }
            try receiveSome()
        }
    }

    private func fill(atLeast count: Int) throws {
        while buffer.count < count { try receiveSome() }
    }

    private func receiveSome() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { throw LoopbackClientError("connection closed by server") }
        guard n > 0 else { throw LoopbackClientError("recv: errno \(errno) (timeout?)") }
        buffer.append(contentsOf: chunk[..<n])
    }
}
