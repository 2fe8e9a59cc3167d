import COpenSSL

#if canImport(Glibc)
    import Glibc
#endif

/// A client TLS connection over a connected non-blocking socket.
///
/// Not thread-safe: one event loop owns it. No call blocks; each returns what OpenSSL
/// needs next, and after `.wantRead` or `.wantWrite` the caller waits for that readiness
/// on the socket and repeats the same call.
public final class TLSStream {
    public enum HandshakeResult: Equatable, Sendable {
        case done, wantRead, wantWrite
        case failed(TLSFailure)
    }

    public enum IOResult: Equatable, Sendable {
        case bytes(Int)
        case wantRead, wantWrite
        /// The peer sent close_notify.
        case closed
        case failed(TLSFailure)
    }

    private enum State {
        case handshaking
        case established
        /// A fatal error: OpenSSL forbids SSL_shutdown after SSL_ERROR_SYSCALL or
        /// SSL_ERROR_SSL, so `close()` only frees.
        case failed(TLSFailure)
        case closed
    }

    let context: TLSContext
    /// The name the certificate is checked against and the session cache key.
    let serverName: String
    private var ssl: OpaquePointer?
    private var state: State = .handshaking
    /// Set when the connection ended by a TCP EOF without close_notify (reported as
    /// `.failed(.connectionFailed)`), for callers that accept a close-delimited body.
    public private(set) var endedWithoutCloseNotify = false

    init(context: TLSContext, sslContext: OpaquePointer, fd: Int32, serverName: String) {
        self.context = context
        self.serverName = serverName
        ERR_clear_error()
        guard let ssl = SSL_new(sslContext) else {
            state = .failed(.handshakeFailed("cannot create a TLS connection: \(OpenSSLErrorQueue.drain().text)"))
            return
        }
        self.ssl = ssl
        if let failure = configure(ssl, fd: fd) {
            state = .failed(failure)
        }
    }

    deinit {
        close()
    }

    /// The stream that owns `ssl`, for OpenSSL callbacks.
    static func owning(_ ssl: OpaquePointer) -> TLSStream? {
        copenssl_SSL_get_app_data(ssl).map { Unmanaged<TLSStream>.fromOpaque($0).takeUnretainedValue() }
    }

    private func configure(_ ssl: OpaquePointer, fd: Int32) -> TLSFailure? {
        let setupFailed = { (step: String) in
            TLSFailure.handshakeFailed("cannot \(step): \(OpenSSLErrorQueue.drain().text) (host \(self.serverName))")
        }
        guard let bio = copenssl_BIO_new_socket_nosigpipe(fd) else { return setupFailed("wrap the socket") }
        SSL_set_bio(ssl, bio, bio)  // one reference serves both directions; SSL_free releases it
        // Unretained: the SSL never outlives this stream (freed in close()).
        _ = copenssl_SSL_set_app_data(ssl, Unmanaged.passUnretained(self).toOpaque())
        SSL_set_connect_state(ssl)
        let name =
            serverName.hasPrefix("[") && serverName.hasSuffix("]")
            ? String(serverName.dropFirst().dropLast()) : serverName
        if Self.isIPLiteral(name) {
            // RFC 6066 §3: SNI carries DNS host names only, so an IP literal gets none;
            // the certificate must carry it as an IP SAN.
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 else {
                return setupFailed("verify the IP address \(name)")
            }
        } else {
            guard copenssl_SSL_set_tlsext_host_name(ssl, name) == 1 else { return setupFailed("set SNI") }
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            guard SSL_set1_host(ssl, name) == 1 else { return setupFailed("verify the host name") }
        }
        if let session = context.sessionCache.session(for: serverName) {
            _ = SSL_set_session(ssl, session)  // takes its own reference
            SSL_SESSION_free(session)
        }
        return nil
    }

    private static func isIPLiteral(_ name: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1
    }

    /// Advances the handshake. On completion, checks the server's public key against
    /// the pins (if any) before returning `.done`.
    public func handshake() -> HandshakeResult {
        switch state {
        case .established: return .done
        case .failed(let failure): return .failed(failure)
        case .closed: return .failed(Self.closedFailure)
        case .handshaking: break
        }
        guard let ssl else { return .failed(Self.closedFailure) }
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        let systemError = errno
        if result == 1 {
            let pins = context.settings.pinnedPublicKeys
            if !pins.isEmpty {
                guard let digest = PeerPublicKey.sha256(of: ssl), pins.contains(digest) else {
                    return fail(.pinMismatch)
                }
            }
            state = .established
            return .done
        }
        let sslError = SSL_get_error(ssl, result)
        switch sslError {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        default:
            let failure = TLSFailure.handshake(
                sslError: sslError, systemError: systemError, verifyResult: SSL_get_verify_result(ssl),
                queue: OpenSSLErrorQueue.drain(), serverName: serverName,
                minimumVersion: context.settings.minimumVersion)
            return fail(failure)
        }
    }

    private func fail(_ failure: TLSFailure) -> HandshakeResult {
        state = .failed(failure)
        // A session that led here (offered or just received) is not worth offering again.
        context.sessionCache.remove(for: serverName)
        return .failed(failure)
    }

    /// Encrypts and sends up to `bytes.count` bytes. After `.wantWrite` (or `.wantRead`)
    /// OpenSSL requires the retry to pass the same bytes again (from any address, the
    /// context allows a moving buffer); `.bytes(n)` may be less than the count.
    public func write(_ bytes: UnsafeRawBufferPointer) -> IOResult {
        guard let ssl, case .established = state else { return notEstablished }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return .bytes(0) }
        ERR_clear_error()
        let result = SSL_write(ssl, base, Int32(clamping: bytes.count))
        let systemError = errno
        if result > 0 { return .bytes(Int(result)) }
        return transferOutcome(ssl, result: result, systemError: systemError, operation: "write")
    }

    /// Reads and decrypts up to `buffer.count` bytes. `.wantRead` with no data yet is
    /// normal, also right after readiness: the bytes may have been a TLS 1.3 session ticket.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        guard let ssl, case .established = state else { return notEstablished }
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return .bytes(0) }
        ERR_clear_error()
        let result = SSL_read(ssl, base, Int32(clamping: buffer.count))
        let systemError = errno
        if result > 0 { return .bytes(Int(result)) }
        return transferOutcome(ssl, result: result, systemError: systemError, operation: "read")
    }

    /// Whether nothing at all is pending after an answer: a read finds no application data and
    /// no close_notify (`SSL_read` wants to read), and OpenSSL holds no unprocessed record bytes
    /// (`SSL_has_pending` is 0). A record that the socket delivered together with the answer sits
    /// in OpenSSL or in the socket with no edge left to announce it, so only this read finds it.
    /// Anything found is consumed and the stream must not carry another exchange.
    public func hasNothingPending() -> Bool {
        guard let ssl, case .established = state else { return false }
        var byte: UInt8 = 0
        ERR_clear_error()
        let result = SSL_read(ssl, &byte, 1)
        if result > 0 { return false }
        let sslError = SSL_get_error(ssl, result)
        switch sslError {
        case SSL_ERROR_WANT_READ:
            return SSL_has_pending(ssl) == 0
        case SSL_ERROR_WANT_WRITE, SSL_ERROR_ZERO_RETURN:
            return false
        default:
            // OpenSSL forbids SSL_shutdown after SSL_ERROR_SYSCALL or SSL_ERROR_SSL.
            state = .failed(.connectionFailed("the connection failed after an answer"))
            ERR_clear_error()
            return false
        }
    }

    private func transferOutcome(_ ssl: OpaquePointer, result: Int32, systemError: Int32, operation: String) -> IOResult {
        let sslError = SSL_get_error(ssl, result)
        switch sslError {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        default:
            let (failure, isEOF) = TLSFailure.transfer(
                sslError: sslError, systemError: systemError, queue: OpenSSLErrorQueue.drain(), operation: operation,
                serverName: serverName)
            endedWithoutCloseNotify = isEOF
            state = .failed(failure)
            return .failed(failure)
        }
    }

    private var notEstablished: IOResult {
        switch state {
        case .failed(let failure): .failed(failure)
        case .closed: .failed(Self.closedFailure)
        case .handshaking, .established: .failed(.connectionFailed("TLS data before the handshake completed"))
        }
    }

    private static let closedFailure = TLSFailure.connectionFailed("the TLS stream is closed")

    /// True when the handshake resumed a cached session instead of a full handshake.
    public var sessionWasReused: Bool {
        guard let ssl else { return false }
        return SSL_session_reused(ssl) == 1
    }

    /// The protocol version in OpenSSL's spelling ("TLSv1.3"), or "" before the handshake.
    public var negotiatedVersion: String {
        guard let ssl, case .established = state else { return "" }
        return String(cString: SSL_get_version(ssl))
    }

    /// Sends close_notify if the connection is healthy (once, without waiting for the
    /// peer's) and frees the SSL. Does not close the socket. Idempotent.
    public func close() {
        guard let ssl else { return }
        if case .established = state {
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
        }
        ERR_clear_error()
        SSL_free(ssl)
        self.ssl = nil
        state = .closed
    }
}
