import COpenSSL

/// One client `SSL_CTX` per upstream: peer verification on, a minimum protocol version,
/// and a client session cache for resumption.
///
/// `@unchecked Sendable`: the `SSL_CTX` is configured only in `init`; after that OpenSSL
/// allows `SSL_new` on it from any thread, and the session cache is behind a mutex.
public final class TLSContext: @unchecked Sendable {
    public let settings: TLSSettings
    let sessionCache = TLSSessionCache()
    private let context: OpaquePointer

    public init(settings: TLSSettings) throws(TLSSetupError) {
        self.settings = settings
        self.context = try Self.makeContext(settings)
        // New sessions arrive in the callback below, which finds its stream through the
        // SSL's app data; the stream keeps this context alive.
        SSL_CTX_sess_set_new_cb(context) { ssl, session in
            guard let ssl, let session, let stream = TLSStream.owning(ssl) else { return 0 }
            stream.context.sessionCache.store(session, for: stream.serverName)
            return 1  // the cache now holds this reference
        }
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// A client TLS stream on an already-connected non-blocking socket, verifying the
    /// certificate against `serverName` (a DNS name or an IP literal) and offering the
    /// last session cached for it. The caller keeps owning `fd`.
    public func makeClientStream(fd: Int32, serverName: String) -> TLSStream {
        TLSStream(context: self, sslContext: context, fd: fd, serverName: serverName)
    }

    private static func makeContext(_ settings: TLSSettings) throws(TLSSetupError) -> OpaquePointer {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw TLSSetupError("cannot create a TLS client context: \(OpenSSLErrorQueue.drain().text)")
        }
        do {
            try configure(context, settings)
            return context
        } catch {
            SSL_CTX_free(context)
            throw error
        }
    }

    private static func configure(_ context: OpaquePointer, _ settings: TLSSettings) throws(TLSSetupError) {
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let path = settings.caBundlePath {
            guard SSL_CTX_load_verify_locations(context, path, nil) == 1 else {
                throw TLSSetupError("cannot load the CA bundle \(path): \(OpenSSLErrorQueue.drain().text)")
            }
        } else {
            guard SSL_CTX_set_default_verify_paths(context) == 1 else {
                throw TLSSetupError("cannot load the system CA store: \(OpenSSLErrorQueue.drain().text)")
            }
        }
        let version = settings.minimumVersion == .v1_3 ? TLS1_3_VERSION : TLS1_2_VERSION
        guard copenssl_SSL_CTX_set_min_proto_version(context, version) == 1 else {
            throw TLSSetupError("cannot set the minimum TLS version \(settings.minimumVersion.rawValue)")
        }
        // Partial writes and a moving buffer let the event loop retry a write after
        // SSL_ERROR_WANT_WRITE from whatever buffer still holds the unsent bytes.
        _ = copenssl_SSL_CTX_set_mode(context, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        // Client sessions go to our per-server-name cache only: OpenSSL's internal store
        // is keyed by session id, which a client cannot look up by server.
        _ = copenssl_SSL_CTX_set_session_cache_mode(
            context, Int(SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE))
    }
}
