import Dispatch
import HTTP1
import SocketLoop

/// Runs HTTP/1.1 over one connection: feeds bytes to the parser, answers requests one at a
/// time in arrival order (so pipelined requests are answered in order), sends
/// `100 Continue`, enforces read deadlines, and closes on errors. All state lives on the
/// connection's queue.
final class HTTPConnectionDriver: ConnectionDelegate, @unchecked Sendable {
    private let connection: Connection
    private let responder: any HTTPResponder
    private var parser: HTTPRequestParser
    private var deadlines: ReadDeadlines
    private let onClose: @Sendable (HTTPConnectionDriver) -> Void
    private var busy = false
    private var draining = false
    private var failed = false
    private var peerFinishedSending = false
    /// Set while a response waits for the peer to read; no further request is started.
    private var awaitingFlush = false
    /// Buffered input beyond this pauses reading until the current request is answered.
    private let maxBufferedInput: Int
    /// Unsent output beyond this pauses pipelined requests until the peer reads.
    private static let maxPendingOutput = 256 * 1024

    init(connection: Connection, configuration: HTTPServerConfiguration, responder: any HTTPResponder, onClose: @escaping @Sendable (HTTPConnectionDriver) -> Void) {
        self.connection = connection
        self.responder = responder
        self.parser = HTTPRequestParser(limits: configuration.limits)
        self.deadlines = ReadDeadlines(
            idleTimeoutNanoseconds: UInt64(configuration.idleTimeout * 1e9),
            requestReadTimeoutNanoseconds: UInt64(configuration.requestReadTimeout * 1e9),
            now: DispatchTime.now().uptimeNanoseconds)
        self.onClose = onClose
        self.maxBufferedInput = configuration.limits.maxHeaderBytes + configuration.limits.maxBodyBytes
    }

    func start() {
        connection.start(delegate: self)
        connection.queue.async { self.armDeadline() }
    }

    /// Finishes the request in progress (if any), then closes; closes at once when idle.
    func drain() {
        connection.queue.async {
            self.draining = true
            if !self.busy && !self.awaitingFlush && self.parser.isAtMessageBoundary { self.connection.closeAfterFlushing() }
        }
    }

    // MARK: ConnectionDelegate

    func connection(_ connection: Connection, didRead bytes: [UInt8]) {
        parser.append(bytes)
        deadlines.requestBytesArrived(now: DispatchTime.now().uptimeNanoseconds)
        armDeadline()
        processBufferedInput()
    }

    /// A half-closed peer still gets answers to every complete request it sent.
    func connectionDidReachEndOfInput(_ connection: Connection) {
        peerFinishedSending = true
        if !busy && !awaitingFlush { connection.closeAfterFlushing() }
    }

    func connectionDidFlushOutput(_ connection: Connection) {
        guard awaitingFlush else { return }
        awaitingFlush = false
        continueWithNextRequest()
    }

    func connectionDidClose(_ connection: Connection) {
        onClose(self)
    }

    func connectionDeadlineDidPass(_ connection: Connection) {
        switch deadlines.expiry(at: DispatchTime.now().uptimeNanoseconds) {
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
        while !busy && !connection.isClosed {
            let event: HTTPParserEvent?
            do {
                event = try parser.next()
            } catch {
                fail(.malformed(error))
                return
            }
            switch event {
            case nil:
                if parser.bufferedByteCount > maxBufferedInput { connection.suspendReading() }
                return
            case .head(let head)?:
                // RFC 9110 §10.1.1: a server MAY skip 100 when body bytes already arrived.
                if head.expectsContinue && parser.bufferedByteCount == 0 {
                    connection.write(HTTPResponse.continueBytes)
                }
            case .request(let request)?:
                busy = true
                deadlines.requestComplete()
                armDeadline()
                connection.suspendReading()
                let responder = self.responder
                Task {
                    let response = await responder.respond(to: request)
                    self.connection.queue.async { self.send(response, for: request) }
                }
            }
        }
    }

    private func send(_ response: HTTPResponse, for request: HTTPRequest) {
        busy = false
        let keepAlive = request.head.keepAlive && !draining
        connection.write(response.serialized(keepAlive: keepAlive, includeBody: request.head.method != "HEAD"))
        guard keepAlive else {
            connection.closeAfterFlushing()
            return
        }
        let now = DispatchTime.now().uptimeNanoseconds
        deadlines.waitForNextRequest(now: now)
        if parser.bufferedByteCount > 0 { deadlines.requestBytesArrived(now: now) }
        armDeadline()
        // Backpressure: a peer that pipelines but does not read gets no further answers queued.
        if connection.pendingOutputByteCount > HTTPConnectionDriver.maxPendingOutput {
            awaitingFlush = true
            return
        }
        continueWithNextRequest()
    }

    private func continueWithNextRequest() {
        if !peerFinishedSending { connection.resumeReading() }
        processBufferedInput()
        if peerFinishedSending && !busy { connection.closeAfterFlushing() }
    }

    /// One place where unreadable requests become a response and a closed connection.
    private func fail(_ failure: HTTPServerFailure) {
        guard !connection.isClosed, !failed else { return }
        failed = true
        connection.write(responder.response(for: failure).serialized(keepAlive: false))
        connection.closeAfterFlushing()
    }

    private func armDeadline() {
        connection.setDeadline(deadlines.deadline.map { DispatchTime(uptimeNanoseconds: $0) })
    }
}
