import SocketLoop

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failed read or write on an upstream connection.
struct UpstreamTransportError: Error {
    var error: UpstreamError
    /// Whether nothing can have reached the upstream's application (reset, refused), so a
    /// retry with the same bytes is safe.
    var isRetryable: Bool
    var message: String {
        switch error {
        case .unreachable(let text), .timedOut(let text), .brokenResponse(let text): text
        case .tlsFailed(_, let text): text
        case .overloaded: "overloaded"
        }
    }
    var asUpstreamError: UpstreamError { error }
}

enum UpstreamTransportIO {
    case bytes(Int)
    case wouldBlock
    /// Orderly end of input (EOF or TLS close_notify).
    case closed
    case failed(UpstreamTransportError)
}

enum UpstreamHandshakeProgress {
    case done
    case inProgress
    case failed(UpstreamError)
}

/// Plain TCP or TLS over one socket; both are non-blocking and edge-driven by the loop.
struct UpstreamTransport {
    static var plain: UpstreamTransport { UpstreamTransport() }

    var needsHandshake: Bool { false }
    /// TLS may hold decrypted input that no socket edge will announce: read until it says so.
    var mayHoldBufferedInput: Bool { false }

    mutating func handshake() -> UpstreamHandshakeProgress { .done }

    func write(_ bytes: UnsafeRawBufferPointer, fd: Int32) -> UpstreamTransportIO {
        while true {
            let count = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return .bytes(count) }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
            return .failed(UpstreamTransport.socketError("send"))
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, fd: Int32) -> UpstreamTransportIO {
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count > 0 { return .bytes(count) }
            if count == 0 { return .closed }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
            return .failed(UpstreamTransport.socketError("recv"))
        }
    }

    func close() {}

    static func socketError(_ operation: String) -> UpstreamTransportError {
        let code = errno
        let text = "\(operation) failed: \(String(cString: strerror(code)))"
        return UpstreamTransportError(error: .unreachable(text), isRetryable: code == ECONNRESET || code == EPIPE || code == ECONNREFUSED)
    }
}
