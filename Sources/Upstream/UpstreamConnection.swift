import HTTP1
import SocketLoop

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One keep-alive connection to the upstream, on one event loop: non-blocking connect,
/// TLS handshake, then one exchange at a time (write the request, parse the answer).
/// Touched only on its loop.
final class UpstreamConnection: EventLoopHandler, DeadlineHandler {
    private enum State {
        case connecting
        /// Asking the egress proxy for a tunnel (CONNECT) and reading its answer.
        case tunneling
        case handshaking
        case exchanging
        case idle
        case closed
    }

    private unowned let pool: UpstreamPool
    private let fd: Int32
    private let transport: UpstreamTransport
    private var state = State.connecting
    private var exchange: UpstreamExchange?
    private var outputOffset = 0
    private var parser = HTTPResponseParser()
    private var connectDeadline: UInt64
    /// The CONNECT request while tunneling through an egress proxy.
    private var tunnelRequest: [UInt8] = []
    /// The upstream shut down its side: read until EOF, not just until a short read.
    private var peerClosed = false

    init(pool: UpstreamPool, fd: Int32, transport: UpstreamTransport, exchange: UpstreamExchange, connectDeadline: UInt64) {
        self.pool = pool
        self.fd = fd
        self.transport = transport
        self.exchange = exchange
        self.connectDeadline = connectDeadline
    }

    /// Joins the loop; `connected` when the connect already finished.
    func start(connected: Bool) {
        do {
            try pool.loop.register(fd, handler: self)
        } catch {
            fail(.unreachable("cannot watch the upstream socket: \(error)"), retryable: false)
            return
        }
        armDeadline()
        if connected { connectFinished() }
    }

    /// Sends `exchange` over this idle connection.
    func reuse(for exchange: UpstreamExchange) {
        self.exchange = exchange
        beginExchange()
    }

    /// Closes an idle connection (pool shutdown or trimming).
    func closeIdle() {
        guard case .idle = state else { return }
        close()
    }

    // MARK: EventLoopHandler, DeadlineHandler

    func descriptorIsReady(readable: Bool, writable: Bool, peerClosed: Bool) {
        if peerClosed { self.peerClosed = true }
        switch state {
        case .connecting: connectFinished()
        case .tunneling: continueTunnel(readable: readable)
        case .handshaking: continueHandshake()
        case .exchanging: pump(readable: readable)
        case .idle:
            // Any byte (nobody asked for one) or end of input on a pooled connection: it is dead,
            // dropped now rather than found at the next request.
            if readable { closeAndReport() }
        case .closed: return
        }
    }

    func deadlineDidPass(now: UInt64) {
        switch state {
        case .connecting, .tunneling, .handshaking:
            if now >= (exchange?.deadline ?? now) {
                fail(.timedOut("no answer within the upstream timeout"), retryable: false)
            } else {
                fail(.timedOut("connecting to the upstream took longer than the connect timeout"), retryable: false)
            }
        case .exchanging:
            fail(.timedOut("no complete answer within the upstream timeout"), retryable: false)
        case .idle:
            closeAndReport()
        case .closed:
            return
        }
    }

    // MARK: Connect and handshake

    private func connectFinished() {
        let error = ClientSocket.pendingError(fd)
        if error != 0 {
            // Refused or reset before anything was sent: safe to try again.
            let reason = String(cString: strerror(error))
            if pool.proxy != nil {
                fail(
                    .proxyFailed(code: "upstream_proxy_unreachable", message: "cannot connect to the egress proxy: \(reason)"),
                    retryable: true)
            } else {
                fail(.unreachable("connect failed: \(reason)"), retryable: true)
            }
            return
        }
        if let proxy = pool.proxy {
            state = .tunneling
            tunnelRequest = proxy.connectRequest(to: pool.origin)
            outputOffset = 0
            parser = HTTPResponseParser(limits: pool.responseLimits, requestWasHead: true)
            continueTunnel(readable: false)
        } else {
            tunnelEstablished()
        }
    }

    /// Sends CONNECT and reads the proxy's answer; a 2xx opens the tunnel (RFC 9110 §9.3.6).
    /// The answer is parsed as if to HEAD: a tunnel's 2xx has no content, and the body of a
    /// refusal does not matter.
    private func continueTunnel(readable: Bool) {
        while outputOffset < tunnelRequest.count {
            let written = tunnelRequest.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + outputOffset, raw.count - outputOffset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                outputOffset += written
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                return
            } else {
                fail(.proxyFailed(code: "upstream_proxy_unreachable", message: "the egress proxy closed the connection"), retryable: true)
                return
            }
        }
        guard readable || peerClosed else { return }
        let buffer = pool.loop.readBuffer
        while case .tunneling = state {
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count > 0 {
                parser.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                do {
                    while let event = try parser.next() {
                        guard case .complete(let answer) = event else { continue }
                        let status = answer.head.status
                        guard (200..<300).contains(status) else {
                            fail(
                                .proxyFailed(
                                    code: "upstream_proxy_refused",
                                    message: "the egress proxy refused the tunnel: \(status) \(answer.head.reason)"), retryable: false)
                            return
                        }
                        tunnelEstablished()
                        return
                    }
                } catch {
                    fail(
                        .proxyFailed(
                            code: "upstream_proxy_refused", message: "the egress proxy's answer to CONNECT is invalid: \(error.message)"),
                        retryable: false)
                    return
                }
            } else if count == 0 {
                fail(
                    .proxyFailed(
                        code: "upstream_proxy_unreachable", message: "the egress proxy closed the connection before opening the tunnel"),
                    retryable: !parser.hasReceivedBytes)
                return
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                return
            } else {
                fail(
                    .proxyFailed(
                        code: "upstream_proxy_unreachable",
                        message: "the egress proxy connection failed: \(String(cString: strerror(errno)))"),
                    retryable: !parser.hasReceivedBytes)
                return
            }
        }
    }

    /// The byte stream to the upstream is open (directly or through the proxy's tunnel).
    private func tunnelEstablished() {
        if transport.needsHandshake {
            state = .handshaking
            continueHandshake()
        } else {
            beginExchange()
        }
    }

    private func continueHandshake() {
        switch transport.handshake() {
        case .done:
            beginExchange()
        case .inProgress:
            return
        case .failed(let error):
            fail(error.asUpstreamError, retryable: error.isRetryable)
        }
    }

    // MARK: The exchange

    private func beginExchange() {
        guard let exchange else { return }
        state = .exchanging
        outputOffset = 0
        parser = HTTPResponseParser(limits: pool.responseLimits, requestWasHead: exchange.requestWasHead)
        armDeadline()
        // Nothing can have arrived before the request went out; the socket's next edge says when.
        pump(readable: false)
    }

    /// Writes what is left of the request, then reads what has arrived of the answer.
    private func pump(readable: Bool) {
        guard let exchange, case .exchanging = state else { return }
        let bytes = exchange.requestBytes
        while outputOffset < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                transport.write(UnsafeRawBufferPointer(rebasing: raw[outputOffset...]), fd: fd)
            }
            switch result {
            case .bytes(let count):
                outputOffset += count
                if count > 0 { exchange.requestBytesSent = true }
            case .wouldBlock:
                return
            case .closed:
                failBeforeAnswer("the upstream closed the connection while the request was sent")
                return
            case .failed(let error):
                failBeforeAnswer(error)
                return
            }
        }
        if readable || peerClosed { readAnswer() }
    }

    private func readAnswer() {
        let buffer = pool.loop.readBuffer
        while case .exchanging = state {
            switch transport.read(into: buffer, fd: fd) {
            case .bytes(let count):
                parser.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                if parseAvailable() { return }
                if count < buffer.count && !transport.mayHoldBufferedInput && !peerClosed { return }
            case .wouldBlock:
                return
            case .closed:
                inputEnded()
                return
            case .failed(let error):
                if parser.hasReceivedBytes {
                    fail(.brokenResponse("the upstream connection failed mid-answer: \(error.message)"), retryable: false)
                } else {
                    failBeforeAnswer(error)
                }
                return
            }
        }
    }

    /// Returns true when the exchange ended (answer complete or failed).
    private func parseAvailable() -> Bool {
        do {
            while let event = try parser.next() {
                if case .complete(let answer) = event {
                    finish(answer)
                    return true
                }
            }
            return false
        } catch {
            fail(.brokenResponse("invalid answer from the upstream: \(error.message)"), retryable: false)
            return true
        }
    }

    private func inputEnded() {
        guard parser.hasReceivedBytes else {
            failBeforeAnswer("the upstream closed the connection before answering")
            return
        }
        do {
            finish(try parser.inputEnded())
        } catch {
            fail(.brokenResponse("the upstream's answer was cut off: \(error.message)"), retryable: false)
        }
    }

    private func finish(_ answer: HTTPParsedResponse) {
        guard let exchange else { return }
        let echo = exchange.requestID.map { RequestIDEcho(answerHeaders: answer.head.headers, requestID: $0) }
        if echo == .differs {
            // An earlier answer arriving late (a duplicate, a retry's) on a reused connection:
            // whatever else is on this connection is just as suspect.
            fail(.brokenResponse("the answer belongs to another request (its x-request-id is not the request's)"), retryable: false)
            return
        }
        self.exchange = nil
        let reusable = isCleanForReuse(echo: echo) && !exchange.singleUse
        // The finished parser keeps the answer (body included) until the next exchange
        // replaces it; an idle connection must not pin the last body.
        parser = HTTPResponseParser()
        // Back in the pool before the caller hears of it, so that a request it sends at once
        // (a pipelined client) can reuse this connection.
        if reusable {
            state = .idle
            pool.loop.setDeadline(EventLoop.now() + pool.idleTimeout, for: self)
            pool.connectionBecameIdle(self)
        } else {
            // Whatever arrived after the answer is dropped with the connection, never parsed
            // as the next answer.
            closeAndReport()
        }
        exchange.succeed(
            UpstreamResponse(
                status: answer.head.status, headers: answer.head.headers, body: answer.body, reason: answer.head.reason,
                requestIDEcho: echo))
    }

    /// Whether the connection may carry another exchange now that an answer is complete: the
    /// answer allows it (RFC 9112 §9.3) and ended the parser's input exactly, it echoed the
    /// request's id when one was asked for, and nothing at all is pending behind it — no byte
    /// and no end of input on the socket, none held by TLS. Once idle, the connection stays
    /// registered for readability: any byte or end of input then closes it (`.idle` in
    /// `descriptorIsReady`) at no further cost per request.
    private func isCleanForReuse(echo: RequestIDEcho?) -> Bool {
        guard parser.connectionReusable, echo != .missing else { return false }
        return transport.hasNothingPending(fd: fd)
    }

    /// Nothing of an answer arrived: refused, reset or closed first — safe to send again.
    private func failBeforeAnswer(_ detail: String) {
        fail(.unreachable(detail), retryable: true)
    }

    private func failBeforeAnswer(_ error: UpstreamTransportError) {
        fail(error.asUpstreamError, retryable: error.isRetryable)
    }

    private func fail(_ error: UpstreamError, retryable: Bool) {
        guard state != .closed else { return }
        let exchange = self.exchange
        self.exchange = nil
        close()
        pool.connection(self, failed: exchange, with: error, retryable: retryable)
    }

    private func closeAndReport() {
        close()
        pool.connectionClosed(self)
    }

    private func close() {
        guard state != .closed else { return }
        state = .closed
        transport.close()
        pool.loop.setDeadline(nil, for: self)
        pool.loop.closeDescriptor(fd)
    }

    private func armDeadline() {
        guard let exchange else { return }
        switch state {
        case .connecting, .tunneling, .handshaking:
            pool.loop.setDeadline(min(connectDeadline, exchange.deadline), for: self)
        default:
            pool.loop.setDeadline(exchange.deadline, for: self)
        }
    }
}

extension UpstreamConnection {
    var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }
}
