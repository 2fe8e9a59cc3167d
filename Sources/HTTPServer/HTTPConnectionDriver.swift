import HTTP1
import SocketLoop

/// Runs HTTP/1.1 over one connection on its event loop: feeds bytes to the parser, answers
/// requests one at a time in arrival order (so pipelined requests are answered in order),
/// sends `100 Continue`, enforces read deadlines, and closes on errors.
///
/// Touched only on the connection's loop; `HTTPResponseWriter` hops there, hence
/// `@unchecked Sendable`.
final class HTTPConnectionDriver: ConnectionDelegate, @unchecked Sendable {
    /// reading → responding → (reading | awaitingFlush | closing); see `send`.
    private enum State {
        /// Waiting for or reading a request.
        case reading
        /// The responder has a request; reading is paused until it answers.
        case responding(HTTPRequestHead)
        /// An answer is written but the peer is not reading it; no new request is started.
        case awaitingFlush
        /// An error response or the last response is on its way out.
        case closing
    }

    let connection: Connection
    private let responder: any HTTPResponder
    private var parser: HTTPRequestParser
    private var deadlines: ReadDeadlines
    private let onClose: @Sendable (HTTPConnectionDriver) -> Void
    private var state = State.reading
    private var draining = false
    private var started = false
    private var peerFinishedSending = false
    /// Buffered input beyond this pauses reading until the current request is answered.
    private let maxBufferedInput: Int
    /// Unsent output beyond this pauses pipelined requests until the peer reads.
    private static let maxPendingOutput = 256 * 1024

    init(
        connection: Connection, configuration: HTTPServerConfiguration, responder: any HTTPResponder,
        onClose: @escaping @Sendable (HTTPConnectionDriver) -> Void
    ) {
        self.connection = connection
        self.responder = responder
        self.parser = HTTPRequestParser(limits: configuration.limits)
        self.deadlines = ReadDeadlines(
            idleTimeoutNanoseconds: UInt64(configuration.idleTimeout * 1e9),
            requestReadTimeoutNanoseconds: UInt64(configuration.requestReadTimeout * 1e9),
            now: EventLoop.now())
        self.onClose = onClose
        self.maxBufferedInput = configuration.limits.maxHeaderBytes + configuration.limits.maxBodyBytes
    }

    /// Call on the connection's loop.
    func start(draining: Bool) {
        started = true
        connection.start(delegate: self)
        armDeadline()
        if draining || self.draining { drain() }
    }

    /// Finishes the request in progress (if any), then closes; closes at once when idle.
    /// Call on the connection's loop.
    func drain() {
        draining = true
        guard started else { return }
        if case .reading = state, parser.isAtMessageBoundary { finish() }
    }

    // MARK: ConnectionDelegate

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        parser.append(bytes)
        if case .reading = state {
            deadlines.requestBytesArrived(now: EventLoop.now())
            armDeadline()
        }
        processBufferedInput()
    }

    /// A half-closed peer still gets answers to every complete request it sent.
    func connectionDidReachEndOfInput(_ connection: Connection) {
        peerFinishedSending = true
        if case .reading = state { processBufferedInput() }
    }

    func connectionDidFlushOutput(_ connection: Connection) {
        guard case .awaitingFlush = state else { return }
        state = .reading
        continueWithNextRequest()
    }

    func connectionDidClose(_ connection: Connection) {
        onClose(self)
    }

    func connectionDeadlineDidPass(_ connection: Connection) {
        switch deadlines.expiry(at: EventLoop.now()) {
        case .closeIdleConnection?:
            connection.close()
        case .requestTimedOut?:
            fail(.requestTimedOut)
        case nil:
            armDeadline()
        }
    }

    // MARK: Request handling

    private func processBufferedInput() {
        while case .reading = state, !connection.isClosed {
            let event: HTTPParserEvent?
            do {
                event = try parser.next()
            } catch {
                fail(.malformed(error))
                return
            }
            switch event {
            case nil:
                if peerFinishedSending {
                    finish()
                } else if parser.bufferedByteCount > maxBufferedInput {
                    connection.suspendReading()
                }
                return
            case .head(let head)?:
                // RFC 9110 §10.1.1: a server MAY skip 100 when body bytes already arrived.
                if head.expectsContinue && parser.bufferedByteCount == 0 {
                    // §10.1.1: a final answer instead of 100 when the head alone refuses it;
                    // the body is then not read, so the connection closes after the answer.
                    if let refusal = responder.responseBeforeContinue(to: head, loop: connection.loop) {
                        state = .closing
                        connection.write(refusal.serialized(keepAlive: false, includeBody: head.method != "HEAD"))
                        connection.closeAfterFlushing()
                        return
                    }
                    connection.write(HTTPResponse.continueBytes)
                }
            case .request(let request)?:
                state = .responding(request.head)
                deadlines.requestComplete()
                armDeadline()
                connection.suspendReading()
                responder.respond(to: request, writer: HTTPResponseWriter(driver: self))
            }
        }
    }

    /// The responder's answer, on the loop.
    func send(_ response: HTTPResponse) {
        guard case .responding(let head) = state, !connection.isClosed else { return }
        let keepAlive = head.keepAlive && !draining
        connection.write(response.serialized(keepAlive: keepAlive, includeBody: head.method != "HEAD"))
        guard keepAlive else {
            state = .closing
            connection.closeAfterFlushing()
            return
        }
        let now = EventLoop.now()
        deadlines.waitForNextRequest(now: now)
        if parser.bufferedByteCount > 0 { deadlines.requestBytesArrived(now: now) }
        armDeadline()
        // Backpressure: a peer that pipelines but does not read gets no further answers queued.
        if connection.pendingOutputByteCount > HTTPConnectionDriver.maxPendingOutput {
            state = .awaitingFlush
            return
        }
        state = .reading
        continueWithNextRequest()
    }

    private func continueWithNextRequest() {
        if !peerFinishedSending { connection.resumeReading() }
        processBufferedInput()
    }

    /// Closes after what was written so far; used when idle and the peer or a drain ends it.
    private func finish() {
        state = .closing
        connection.closeAfterFlushing()
    }

    /// One place where unreadable requests become a response and a closed connection.
    private func fail(_ failure: HTTPServerFailure) {
        if case .closing = state { return }
        guard !connection.isClosed else { return }
        state = .closing
        connection.write(responder.response(for: failure).serialized(keepAlive: false))
        connection.closeAfterFlushing()
    }

    private func armDeadline() {
        connection.setDeadline(deadlines.deadline)
    }
}
