import HTTP1
import SocketLoop
import Synchronization

/// Runs HTTP/1.1 over one connection on its event loop: feeds bytes to the parser, answers
/// requests one at a time in arrival order (so pipelined requests are answered in order),
/// sends `100 Continue`, enforces read deadlines, reserves request bodies from the shared
/// `BodyBudget` (503 `overloaded` past it), and closes on errors.
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
    private let budget: BodyBudget
    /// Bytes this connection holds reserved in `budget`.
    private var reservedBodyBytes = 0
    /// What the server's accept path reads to pick a connection to close at the connection
    /// limit: `0` while the connection is busy, `evictionClaimed` once the server chose it,
    /// otherwise the loop-clock time from which it may be closed (`ReadDeadlines.evictableSince`).
    let evictableSince = Atomic<UInt64>(0)
    static let evictionClaimed = UInt64.max
    /// Unsent output beyond this pauses pipelined requests until the peer reads.
    private static let maxPendingOutput = 256 * 1024

    init(
        connection: Connection, configuration: HTTPServerConfiguration, responder: any HTTPResponder, budget: BodyBudget,
        acceptedAt: UInt64, onClose: @escaping @Sendable (HTTPConnectionDriver) -> Void
    ) {
        self.connection = connection
        self.responder = responder
        self.parser = HTTPRequestParser(limits: configuration.limits)
        self.deadlines = ReadDeadlines(
            idleTimeoutNanoseconds: UInt64(configuration.idleTimeout * 1e9),
            requestReadTimeoutNanoseconds: UInt64(configuration.requestReadTimeout * 1e9),
            silenceGraceNanoseconds: UInt64(configuration.evictableAfterSilence * 1e9), now: acceptedAt)
        self.budget = budget
        self.onClose = onClose
        self.maxBufferedInput = configuration.limits.maxHeaderBytes + configuration.limits.maxBodyBytes
        evictableSince.store(deadlines.evictableSince ?? 0, ordering: .relaxed)
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

    /// The server chose this connection to make room for a new one: close it without an
    /// answer (it was idle or silent). Call on the connection's loop.
    func evict() {
        connection.close()
    }

    /// Marks the connection busy before it handles input; `false` when the server already
    /// chose it for eviction (the input is then dropped with the connection).
    private func claimForInput() -> Bool {
        if evictableSince.exchange(0, ordering: .acquiringAndReleasing) == HTTPConnectionDriver.evictionClaimed {
            evictableSince.store(HTTPConnectionDriver.evictionClaimed, ordering: .releasing)
            connection.close()
            return false
        }
        return true
    }

    /// Tells the accept path whether and since when this connection may be evicted, unless
    /// it was already chosen.
    private func publishEvictability() {
        var value: UInt64 = 0
        if case .reading = state, !connection.isClosed, !draining { value = deadlines.evictableSince ?? 0 }
        var current = evictableSince.load(ordering: .acquiring)
        while current != HTTPConnectionDriver.evictionClaimed {
            let (exchanged, original) = evictableSince.compareExchange(
                expected: current, desired: value, ordering: .acquiringAndReleasing)
            if exchanged { return }
            current = original
        }
    }

    // MARK: ConnectionDelegate

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        guard claimForInput() else { return }
        parser.append(bytes)
        if case .reading = state {
            deadlines.requestBytesArrived(now: EventLoop.now())
            armDeadline()
        }
        processBufferedInput()
        publishEvictability()
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
        releaseBodyReservation()
        parser.discardInput()
        onClose(self)
    }

    func connectionDeadlineDidPass(_ connection: Connection) {
        switch deadlines.expiry(at: EventLoop.now()) {
        case .closeSilently?:
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
            // A chunked body reserves its storage as it grows (checked at least once per read,
            // and on the complete request, whose body may have grown in this very read).
            var needed = parser.bodyMemoryNeeded
            if case .request(let request)? = event { needed = request.body.count }
            guard reserveBodyMemory(needed) else {
                fail(.overloaded)
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
                // The 503 for a body over the budget goes out before any 100 (checked above).
                // RFC 9110 §10.1.1: a server MAY skip 100 when body bytes already arrived.
                if head.expectsContinue && parser.bufferedByteCount == 0 {
                    // §10.1.1: a final answer instead of 100 when the head alone refuses it;
                    // the body is then not read, so the connection closes after the answer.
                    if let refusal = responder.responseBeforeContinue(to: head, loop: connection.loop) {
                        state = .closing
                        parser.discardInput()
                        releaseBodyReservation()
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
        // Returned before the answer goes out, so that a client holding the answer can count
        // on the budget being free again (as `fail` and the refusal before 100 do).
        releaseBodyReservation()
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
        publishEvictability()
    }

    /// Grows this connection's reservation to `bytes`; `false` when the budget cannot.
    private func reserveBodyMemory(_ bytes: Int) -> Bool {
        guard bytes > reservedBodyBytes else { return true }
        guard budget.reserve(bytes - reservedBodyBytes) else { return false }
        reservedBodyBytes = bytes
        return true
    }

    private func releaseBodyReservation() {
        budget.release(reservedBodyBytes)
        reservedBodyBytes = 0
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
        // Nothing more is parsed: the rest of the request is read and dropped while closing.
        parser.discardInput()
        releaseBodyReservation()
        connection.write(responder.response(for: failure).serialized(keepAlive: false))
        connection.closeAfterFlushing()
    }

    private func armDeadline() {
        connection.setDeadline(deadlines.deadline)
    }
}
