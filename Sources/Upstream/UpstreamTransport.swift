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
        case .tlsFailed(_, let text), .proxyFailed(_, let text): text
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
    case failed(UpstreamTransportError)
}

/// Plain TCP or TLS over one socket; both are non-blocking and edge-driven by the loop.
struct UpstreamTransport {
    private let tls: TLSStream?

    static var plain: UpstreamTransport { UpstreamTransport(tls: nil) }

    static func tls(_ stream: TLSStream) -> UpstreamTransport { UpstreamTransport(tls: stream) }

    var needsHandshake: Bool { tls != nil }
    /// TLS may hold decrypted input that no socket edge will announce: read until it says so.
    var mayHoldBufferedInput: Bool { tls != nil }

    func handshake() -> UpstreamHandshakeProgress {
        guard let tls else { return .done }
        switch tls.handshake() {
        case .done: return .done
        case .wantRead, .wantWrite: return .inProgress
        case .failed(let failure): return .failed(UpstreamTransport.error(from: failure))
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer, fd: Int32) -> UpstreamTransportIO {
        guard let tls else { return UpstreamTransport.sendPlain(bytes, fd: fd) }
        switch tls.write(bytes) {
        case .bytes(let count): return .bytes(count)
        case .wantRead, .wantWrite: return .wouldBlock
        case .closed: return .closed
        case .failed(let failure): return .failed(UpstreamTransport.error(from: failure))
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, fd: Int32) -> UpstreamTransportIO {
        guard let tls else { return UpstreamTransport.receivePlain(into: buffer, fd: fd) }
        switch tls.read(into: buffer) {
        case .bytes(let count): return .bytes(count)
        case .wantRead, .wantWrite: return .wouldBlock
        case .closed: return .closed
        case .failed(let failure):
            // A TCP end without close_notify is an end of input like any other: the response
            // parser decides whether the answer was complete (close-delimited) or cut off.
            if tls.endedWithoutCloseNotify { return .closed }
            return .failed(UpstreamTransport.error(from: failure))
        }
    }

    /// Whether nothing at all is pending on the connection after an answer: for TLS, see
    /// `TLSStream.hasNothingPending`; for a plain socket, a non-blocking read reports `EAGAIN`.
    /// Bytes or an end of input found here are consumed: the connection must then be closed.
    func hasNothingPending(fd: Int32) -> Bool {
        if let tls { return tls.hasNothingPending() }
        var byte: UInt8 = 0
        while true {
            let count = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
            if count >= 0 { return false }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK
        }
    }

    func close() {
        tls?.close()
    }

    private static func error(from failure: TLSFailure) -> UpstreamTransportError {
        if case .connectionFailed(let message) = failure {
            // The connection broke (reset, EOF) rather than failing verification: nothing of an
            // answer arrived, so the caller may retry.
            return UpstreamTransportError(error: .unreachable(message), isRetryable: true)
        }
        return UpstreamTransportError(error: .tlsFailed(code: failure.code, message: failure.message), isRetryable: false)
    }

    private static func sendPlain(_ bytes: UnsafeRawBufferPointer, fd: Int32) -> UpstreamTransportIO {
        while true {
            let count = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return .bytes(count) }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
            return .failed(UpstreamTransport.socketError("send"))
        }
    }

    private static func receivePlain(into buffer: UnsafeMutableRawBufferPointer, fd: Int32) -> UpstreamTransportIO {
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count > 0 { return .bytes(count) }
            if count == 0 { return .closed }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
            return .failed(UpstreamTransport.socketError("recv"))
        }
    }

    static func socketError(_ operation: String) -> UpstreamTransportError {
        let code = errno
        let text = "\(operation) failed: \(String(cString: strerror(code)))"
        return UpstreamTransportError(error: .unreachable(text), isRetryable: code == ECONNRESET || code == EPIPE || code == ECONNREFUSED)
    }
}
