import COpenSSL
import Foundation
import HTTP1

#if canImport(Glibc)
    import Glibc
#endif

/// A request as the TLS test server parsed it.
public struct TLSReceivedRequest: Sendable {
    public var method: String
    public var target: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    /// Index of the TCP connection it arrived on, from 0.
    public var connection: Int
}

/// A blocking HTTPS/1.1 server on an ephemeral 127.0.0.1 port: one thread accepts, one
/// thread per connection does the TLS handshake, reads requests with `MinimalRequestReader`,
/// records them and answers each with the canned `response` (plus the request's
/// `X-Request-Id` as `x-request-id`, as Freedom Pay echoes it), keeping the connection
/// alive while the client asks to. Counts handshakes and resumed sessions. The identity
/// (and protocol version) it presents can be switched for new connections with `present`.
/// `@unchecked Sendable`: mutable state is behind `lock`; an SSL_CTX is read-only after it
/// is made, and each connection holds its own reference to the one it started with.
public final class TLSTestServer: @unchecked Sendable {
    public enum ProtocolVersion: Sendable {
        case tls11, tls12, tls13

        var openSSLValue: Int32 {
            switch self {
            case .tls11: TLS1_1_VERSION
            case .tls12: TLS1_2_VERSION
            case .tls13: TLS1_3_VERSION
            }
        }
    }

    public let port: UInt16
    private let acceptor: LoopbackAcceptor
    private let lock = NSLock()
    /// The context new connections use; replaced by `present`.
    private var context: OpaquePointer
    private var _response = HTTPResponse(
        status: 200, headers: [HTTPHeader(name: "Content-Type", value: "text/plain")], body: Array("ok".utf8))
    private var _requests: [TLSReceivedRequest] = []
    private var connections = 0
    private var handshakes = 0
    private var resumedHandshakes = 0
    private var openDescriptors: Set<Int32> = []
    private var stopped = false
    /// Resumed when the last open connection ends.
    private var noneOpenWaiters: [Latch] = []

    /// - Parameter maximumVersion: the newest protocol version to offer; `.tls11` also
    ///   drops OpenSSL to security level 0, since OpenSSL 3 refuses TLS 1.1 at level 1.
    public init(identity: TestIdentity, maximumVersion: ProtocolVersion? = nil) throws {
        context = try Self.makeContext(identity: identity, maximumVersion: maximumVersion)
        do {
            acceptor = try LoopbackAcceptor()
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        port = acceptor.port
        acceptor.start { [self] fd in accepted(fd) }
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// Presents `identity` (offering at most `maximumVersion`) on connections accepted from
    /// now on; connections already open keep theirs. A fresh context also means fresh session
    /// ticket keys, so a client cannot resume a session made with the previous identity.
    public func present(_ identity: TestIdentity, maximumVersion: ProtocolVersion? = nil) throws {
        let replacement = try Self.makeContext(identity: identity, maximumVersion: maximumVersion)
        let previous = lock.withLock {
            defer { context = replacement }
            return context
        }
        SSL_CTX_free(previous)
    }

    /// The answer to every request from now on.
    public var response: HTTPResponse {
        get { lock.withLock { _response } }
        set { lock.withLock { _response = newValue } }
    }

    public var requests: [TLSReceivedRequest] { lock.withLock { _requests } }
    /// TCP connections accepted.
    public var connectionCount: Int { lock.withLock { connections } }
    /// Handshakes that completed, full or resumed.
    public var handshakeCount: Int { lock.withLock { handshakes } }
    /// Completed handshakes that resumed an earlier session.
    public var resumedHandshakeCount: Int { lock.withLock { resumedHandshakes } }
    /// Connections whose thread has not finished yet (the peer has not closed them).
    public var openConnectionCount: Int { lock.withLock { openDescriptors.count } }

    /// Returns once no connection is open (each one's thread has ended): an event, not a poll.
    public func waitUntilNoConnectionIsOpen() async {
        let noneOpen = Latch()
        lock.withLock {
            if openDescriptors.isEmpty { noneOpen.open() } else { noneOpenWaiters.append(noneOpen) }
        }
        await noneOpen.wait()
    }

    /// Stops accepting and shuts down every open connection; their threads then end.
    /// Idempotent.
    public func stop() {
        acceptor.stop()
        lock.withLock {
            stopped = true
            // shutdown, not close: each connection thread closes its own descriptor, after
            // leaving the set under this lock, so every descriptor here is still open.
            for fd in openDescriptors { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func accepted(_ fd: Int32) {
        let admitted: (index: Int, context: ContextReference)? = lock.withLock {
            guard !stopped else { return nil }
            defer { connections += 1 }
            openDescriptors.insert(fd)
            // A reference of the connection's own, so that `present` may free the current one.
            SSL_CTX_up_ref(context)
            return (connections, ContextReference(pointer: context))
        }
        guard let admitted else {
            Glibc.close(fd)
            return
        }
        let thread = Thread { [self] in
            serve(fd: fd, connection: admitted.index, context: admitted.context.pointer)
            SSL_CTX_free(admitted.context.pointer)
            let waiters = lock.withLock {
                _ = openDescriptors.remove(fd)
                guard openDescriptors.isEmpty else { return [Latch]() }
                defer { noneOpenWaiters = [] }
                return noneOpenWaiters
            }
            Glibc.close(fd)
            waiters.forEach { $0.open() }
        }
        thread.start()
    }

    private func serve(fd: Int32, connection: Int, context: OpaquePointer) {
        guard let ssl = SSL_new(context), let bio = copenssl_BIO_new_socket_nosigpipe(fd) else { return }
        defer { SSL_free(ssl) }
        SSL_set_bio(ssl, bio, bio)
        ERR_clear_error()
        guard SSL_accept(ssl) == 1 else {
            ERR_clear_error()
            return
        }
        let resumed = SSL_session_reused(ssl) == 1
        lock.withLock {
            handshakes += 1
            if resumed { resumedHandshakes += 1 }
        }
        // Requests are read by MinimalRequestReader, not the project's HTTP1 parser, so that a
        // framing bug in the client and in the parser cannot cancel out.
        var reader = MinimalRequestReader()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let request: MinimalRequestReader.Request?
            do {
                request = try reader.next()
            } catch {
                return
            }
            if let request {
                let keepAlive = request.keepAlive
                var answer = lock.withLock {
                    _requests.append(
                        TLSReceivedRequest(
                            method: request.method, target: request.target, headers: request.headers, body: request.body,
                            connection: connection))
                    return _response
                }
                // As Freedom Pay does: the answer echoes the request's id.
                if let id = request.headers.first(named: "X-Request-Id"), answer.headers.first(named: "x-request-id") == nil {
                    answer.headers.insert(HTTPHeader(name: "x-request-id", value: id), at: 0)
                }
                guard write(MinimalRequestReader.answer(answer, keepAlive: keepAlive), to: ssl) else { return }
                if !keepAlive {
                    _ = SSL_shutdown(ssl)
                    return
                }
                continue
            }
            ERR_clear_error()
            let count = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            guard count > 0 else {
                // close_notify from the client: answer it; anything else just ends.
                if SSL_get_error(ssl, count) == SSL_ERROR_ZERO_RETURN { _ = SSL_shutdown(ssl) }
                ERR_clear_error()
                return
            }
            reader.append(buffer.prefix(Int(count)))
        }
    }

    private func write(_ bytes: [UInt8], to ssl: OpaquePointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let written = bytes[offset...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            guard written > 0 else {
                ERR_clear_error()
                return false
            }
            offset += Int(written)
        }
        return true
    }

    private static func makeContext(identity: TestIdentity, maximumVersion: ProtocolVersion?) throws -> OpaquePointer {
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw TestPKIError.openSSL("SSL_CTX_new") }
        guard SSL_CTX_use_certificate_chain_file(context, identity.certificatePath) == 1,
            SSL_CTX_use_PrivateKey_file(context, identity.keyPath, SSL_FILETYPE_PEM) == 1,
            SSL_CTX_check_private_key(context) == 1
        else {
            SSL_CTX_free(context)
            throw TestPKIError.openSSL("load the server identity \(identity.certificatePath)")
        }
        if let maximumVersion {
            if maximumVersion == .tls11 {
                SSL_CTX_set_security_level(context, 0)
                _ = copenssl_SSL_CTX_set_min_proto_version(context, TLS1_VERSION)
            }
            _ = copenssl_SSL_CTX_set_max_proto_version(context, maximumVersion.openSSLValue)
        }
        return context
    }
}

/// One reference to an `SSL_CTX`, handed to a connection's thread; the context is not
/// mutated after it is made, and OpenSSL counts references atomically.
private struct ContextReference: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// Runs `body` with a TLS test server presenting `identity`, and stops it afterwards.
public func withTLSTestServer<Result>(
    identity: TestIdentity, maximumVersion: TLSTestServer.ProtocolVersion? = nil,
    isolation: isolated (any Actor)? = #isolation, _ body: (TLSTestServer) async throws -> Result
) async throws -> Result {
    let server = try TLSTestServer(identity: identity, maximumVersion: maximumVersion)
    defer { server.stop() }
    return try await body(server)
}
