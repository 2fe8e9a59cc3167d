import Upstream

#if canImport(Glibc)
import Glibc
#endif

/// Drives a `TLSStream` on a non-blocking loopback TCP socket the way an event loop
/// would: call, and on `.wantRead`/`.wantWrite` wait for that readiness with poll(2)
/// (bounded, so a stuck exchange fails the test instead of hanging it), then call again.
final class TLSTestClient {
    let stream: TLSStream
    private let fd: Int32
    private static let pollTimeoutMilliseconds: Int32 = 5_000

    /// Connects to 127.0.0.1:`port`.
    convenience init(port: UInt16, context: TLSContext, serverName: String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TLSTestClientError.socket("socket", errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        // A blocking connect is immediate on loopback; the TLS exchange is non-blocking.
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let error = errno
            Glibc.close(fd)
            throw TLSTestClientError.socket("connect", error)
        }
        try self.init(fd: fd, context: context, serverName: serverName)
    }

    /// Takes over the connected stream socket `fd` (closed on deinit) and makes it non-blocking.
    init(fd: Int32, context: TLSContext, serverName: String) throws {
        guard fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 else {
            let error = errno
            Glibc.close(fd)
            throw TLSTestClientError.socket("fcntl", error)
        }
        self.fd = fd
        self.stream = context.makeClientStream(fd: fd, serverName: serverName)
    }

    deinit {
        stream.close()
        Glibc.close(fd)
    }

    func handshake() throws -> TLSStream.HandshakeResult {
        while true {
            switch stream.handshake() {
            case .wantRead: try wait(for: POLLIN)
            case .wantWrite: try wait(for: POLLOUT)
            case let result: return result
            }
        }
    }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let result = bytes[offset...].withUnsafeBytes { stream.write($0) }
            switch result {
            case .bytes(let count): offset += count
            case .wantRead: try wait(for: POLLIN)
            case .wantWrite: try wait(for: POLLOUT)
            case .closed, .failed: throw TLSTestClientError.unexpected("write", result)
            }
        }
    }

    /// The next chunk of plaintext, or the outcome that ended the stream.
    func read() throws -> TLSStream.IOResult {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let result = buffer.withUnsafeMutableBytes { stream.read(into: $0) }
            switch result {
            case .wantRead: try wait(for: POLLIN)
            case .wantWrite: try wait(for: POLLOUT)
            default: return result
            }
        }
    }

    /// Sends `request` and reads one response framed by Content-Length; returns its
    /// head (text) and body.
    func exchange(_ request: String) throws -> (head: String, body: [UInt8]) {
        try write(Array(request.utf8))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            if let split = received.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: received[..<split.lowerBound], as: UTF8.self)
                let length =
                    head.split(separator: "\r\n").compactMap { line -> Int? in
                        let parts = line.split(separator: ":", maxSplits: 1)
                        guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                        return Int(parts[1].trimmingPrefix(" "))
                    }.first ?? 0
                if received.count >= split.upperBound + length {
                    return (head, Array(received[split.upperBound..<(split.upperBound + length)]))
                }
            }
            let result = buffer.withUnsafeMutableBytes { stream.read(into: $0) }
            switch result {
            case .bytes(let count): received += buffer.prefix(count)
            case .wantRead: try wait(for: POLLIN)
            case .wantWrite: try wait(for: POLLOUT)
            case .closed, .failed: throw TLSTestClientError.unexpected("read", result)
            }
        }
    }

    private func wait(for event: Int32) throws {
        var descriptor = pollfd(fd: fd, events: Int16(event), revents: 0)
        while true {
            let ready = poll(&descriptor, 1, Self.pollTimeoutMilliseconds)
            if ready > 0 { return }
            if ready == 0 { throw TLSTestClientError.timedOut }
            if errno != EINTR { throw TLSTestClientError.socket("poll", errno) }
        }
    }
}

enum TLSTestClientError: Error {
    case socket(String, Int32)
    case timedOut
    case unexpected(String, TLSStream.IOResult)
}
