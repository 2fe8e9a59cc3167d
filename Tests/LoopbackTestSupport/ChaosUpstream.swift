import COpenSSL
import Foundation
import HTTP1
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What the chaos upstream does with one answer, besides sending it.
public enum ChaosAction: String, Sendable, CaseIterable {
    /// The answer as Freedom Pay sends it.
    case plain
    /// A stray CRLF in the same write as the answer (one TLS record, one segment).
    case crlfAppended
    /// A stray CRLF right after the answer, in its own TLS record, in the same TCP segment.
    case crlfSeparate
    /// A stray CRLF a little later (0.1–2 ms), as its own record and segment.
    case crlfLater
    /// A duplicate of the answer in the same write.
    case duplicateAppended
    /// A duplicate right after the answer, in its own TLS record, in the same TCP segment.
    case duplicateSeparate
    /// A duplicate a little later (0.1–2 ms), as its own record and segment.
    case duplicateLater
    /// A duplicate sent once the next request on the connection arrived, before its answer:
    /// the late duplicate that only the answer's `x-request-id` tells apart.
    case duplicateBeforeNextAnswer
    /// The answer in several writes (records, segments) a little apart.
    case split
    /// The connection is closed (FIN) right after the answer, without `Connection: close`.
    case closeAfter
    /// The connection is reset (RST) instead of answering.
    case resetInstead
    /// The answer carries an `X-Sidecar-Error` of the upstream's own.
    case foreignSidecarError
    /// The answer echoes the request id in upper case.
    case upperCaseID
}

/// SplitMix64: a small, seedable generator, so that a failing chaos run can be told apart by
/// its printed seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A loopback upstream that answers as Freedom Pay does — `x-request-id` echoing the request's
/// `X-Request-Id`, `x-request-status`, JSON — with the request's own body, and misbehaves on
/// some answers (`ChaosAction`). Plain HTTP, or TLS with a test identity. One thread accepts,
/// one thread per connection reads requests with `HTTPRequestParser` and answers them in order.
/// `@unchecked Sendable`: mutable state is behind `lock`; an SSL_CTX is read-only once made.
public final class ChaosUpstream: @unchecked Sendable {
    public let port: UInt16
    public let useTLS: Bool
    private let acceptor: LoopbackAcceptor
    private let context: OpaquePointer?
    /// The action for the n-th answer (0-based, over all connections, in arrival order).
    private let choose: @Sendable (_ answerIndex: Int, _ random: inout SplitMix64) -> ChaosAction
    private let seed: UInt64
    private let lock = NSLock()
    private var answers = 0
    private var connections = 0
    private var actionCounts: [ChaosAction: Int] = [:]
    private var openDescriptors: Set<Int32> = []
    private var stopped = false

    /// Chaos drawn at random: about a third of the answers misbehave, each way alike.
    public convenience init(tls identity: TestIdentity?, seed: UInt64) throws {
        let others = ChaosAction.allCases.filter { $0 != .plain }
        try self.init(tls: identity, seed: seed) { _, random in
            random.next(upperBound: UInt64(3)) == 0 ? others[Int(random.next(upperBound: UInt64(others.count)))] : .plain
        }
    }

    /// The n-th answer does `actions[n]`; answers past the list are plain.
    public convenience init(tls identity: TestIdentity?, actions: [ChaosAction]) throws {
        try self.init(tls: identity, seed: 0) { index, _ in index < actions.count ? actions[index] : .plain }
    }

    init(
        tls identity: TestIdentity?, seed: UInt64,
        choose: @escaping @Sendable (_ answerIndex: Int, _ random: inout SplitMix64) -> ChaosAction
    ) throws {
        self.seed = seed
        self.choose = choose
        useTLS = identity != nil
        if let identity {
            guard let context = SSL_CTX_new(TLS_server_method()) else { throw TestPKIError.openSSL("SSL_CTX_new") }
            guard SSL_CTX_use_certificate_chain_file(context, identity.certificatePath) == 1,
                SSL_CTX_use_PrivateKey_file(context, identity.keyPath, SSL_FILETYPE_PEM) == 1
            else {
                SSL_CTX_free(context)
                throw TestPKIError.openSSL("load the chaos upstream's identity")
            }
            self.context = context
        } else {
            context = nil
        }
        acceptor = try LoopbackAcceptor()
        port = acceptor.port
        acceptor.start { [self] fd in accepted(fd) }
    }

    deinit {
        if let context { SSL_CTX_free(context) }
    }

    public var baseURL: String { "\(useTLS ? "https" : "http")://127.0.0.1:\(port)" }
    public var connectionCount: Int { lock.withLock { connections } }
    public var answerCount: Int { lock.withLock { answers } }
    /// How often each action was taken.
    public var actionCountsByName: [String: Int] {
        lock.withLock { Dictionary(uniqueKeysWithValues: actionCounts.map { ($0.key.rawValue, $0.value) }) }
    }

    /// Stops accepting and shuts down every open connection; their threads then end. Idempotent.
    public func stop() {
        acceptor.stop()
        lock.withLock {
            stopped = true
            for fd in openDescriptors { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func accepted(_ fd: Int32) {
        let index: Int? = lock.withLock {
            guard !stopped else { return nil }
            openDescriptors.insert(fd)
            defer { connections += 1 }
            return connections
        }
        guard let index else {
            Glibc.close(fd)
            return
        }
        let thread = Thread { [self] in
            serve(ChaosWire(fd: fd, context: context), random: SplitMix64(seed: seed &+ UInt64(index) &* 0x2545_F491_4F6C_DD1D))
            lock.withLock { _ = openDescriptors.remove(fd) }
            Glibc.close(fd)
        }
        thread.start()
    }

    private func serve(_ wire: ChaosWire, random: SplitMix64) {
        var random = random
        defer { wire.free() }
        guard wire.accept() else { return }
        var parser = HTTPRequestParser()
        var staleAnswer: [UInt8]?
        while true {
            let event: HTTPParserEvent?
            do {
                event = try parser.next()
            } catch {
                return
            }
            switch event {
            case .head: continue
            case .request(let request):
                let action: ChaosAction = lock.withLock {
                    let action = choose(answers, &random)
                    answers += 1
                    actionCounts[action, default: 0] += 1
                    return action
                }
                if let stale = staleAnswer {
                    staleAnswer = nil
                    wire.write(stale)
                }
                guard answer(request, action: action, on: wire, random: &random, stale: &staleAnswer) else { return }
            case nil:
                guard let bytes = wire.read() else { return }
                parser.append(bytes)
            }
        }
    }

    /// Sends the answer to `request` as `action` says; false when the connection is done.
    private func answer(
        _ request: HTTPRequest, action: ChaosAction, on wire: ChaosWire, random: inout SplitMix64, stale: inout [UInt8]?
    ) -> Bool {
        if action == .resetInstead {
            wire.reset()
            return false
        }
        var id = request.head.headers.first(named: "X-Request-Id")
        if action == .upperCaseID { id = id?.uppercased() }
        var headers: [HTTPHeader] = []
        if let id { headers.append(HTTPHeader(name: "x-request-id", value: id)) }
        headers.append(HTTPHeader(name: "x-request-status", value: "success"))
        headers.append(HTTPHeader(name: "Content-Type", value: "application/json"))
        if action == .foreignSidecarError { headers.append(HTTPHeader(name: "X-Sidecar-Error", value: "upstream_own_header")) }
        let bytes = HTTPResponse(status: 200, headers: headers, body: request.body).serialized(keepAlive: true)
        let pause = { (random: inout SplitMix64) in _ = usleep(100 + UInt32(random.next(upperBound: UInt64(1900)))) }
        switch action {
        case .plain, .foreignSidecarError, .upperCaseID, .resetInstead:
            wire.write(bytes)
        case .crlfAppended:
            wire.write(bytes + [13, 10])
        case .duplicateAppended:
            wire.write(bytes + bytes)
        case .crlfSeparate, .duplicateSeparate:
            wire.corked {
                wire.write(bytes)
                wire.write(action == .crlfSeparate ? [13, 10] : bytes)
            }
        case .crlfLater, .duplicateLater:
            wire.write(bytes)
            pause(&random)
            wire.write(action == .crlfLater ? [13, 10] : bytes)
        case .duplicateBeforeNextAnswer:
            wire.write(bytes)
            stale = bytes
        case .split:
            var offset = 0
            while offset < bytes.count {
                let size = 1 + Int(random.next(upperBound: UInt64(max(1, bytes.count / 3))))
                wire.write(Array(bytes[offset..<min(bytes.count, offset + size)]))
                offset += size
                if offset < bytes.count { pause(&random) }
            }
        case .closeAfter:
            wire.write(bytes)
            wire.shutdownOutput()
            return false
        }
        return true
    }
}

/// One accepted connection, plain or TLS, with blocking I/O.
private final class ChaosWire {
    let fd: Int32
    private let useTLS: Bool
    private var ssl: OpaquePointer?

    init(fd: Int32, context: OpaquePointer?) {
        self.fd = fd
        useTLS = context != nil
        if let context, let ssl = SSL_new(context) {
            self.ssl = ssl
            if let bio = copenssl_BIO_new_socket_nosigpipe(fd) { SSL_set_bio(ssl, bio, bio) }
        }
    }

    func accept() -> Bool {
        guard useTLS else { return true }
        guard let ssl, SSL_get_rbio(ssl) != nil else { return false }
        ERR_clear_error()
        defer { ERR_clear_error() }
        return SSL_accept(ssl) == 1
    }

    func read() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        let count: Int
        if let ssl {
            ERR_clear_error()
            count = Int(buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) })
            ERR_clear_error()
        } else {
            count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        }
        return count > 0 ? Array(buffer.prefix(count)) : nil
    }

    /// One TLS record (for these sizes) or one send.
    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written: Int
            if let ssl {
                ERR_clear_error()
                written = Int(bytes[offset...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) })
                ERR_clear_error()
            } else {
                written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// Whatever `body` writes leaves in one TCP segment (TCP_CORK), records kept apart.
    func corked(_ body: () -> Void) {
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_CORK, &on, socklen_t(MemoryLayout<Int32>.size))
        body()
        var off: Int32 = 0
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_CORK, &off, socklen_t(MemoryLayout<Int32>.size))
    }

    /// FIN after what was written (no close_notify: a TCP end, as a load balancer might).
    func shutdownOutput() {
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    /// RST once the owner closes the descriptor: SO_LINGER with a zero timeout.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    func free() {
        if let ssl { SSL_free(ssl) }
        ssl = nil
    }
}
