#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What a connection reports to its owner. Every call arrives on the connection's loop.
public protocol ConnectionDelegate: AnyObject {
    /// Bytes read into the loop's shared buffer; valid only during the call.
    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer)
    /// The peer will send nothing more (it may still read).
    func connectionDidReachEndOfInput(_ connection: Connection)
    func connectionDidClose(_ connection: Connection)
    /// The deadline set with `setDeadline` passed.
    func connectionDeadlineDidPass(_ connection: Connection)
    /// Everything written so far has reached the kernel.
    func connectionDidFlushOutput(_ connection: Connection)
}

/// A non-blocking stream socket in an event loop's epoll set. It knows nothing of what
/// the bytes mean. Reads go through the loop's shared buffer; writes are sent at once and
/// only what the kernel does not take is queued until the socket is writable again.
public final class Connection: EventLoopHandler, DeadlineHandler {
    private enum Closing {
        case open
        /// Close once the queued output is written.
        case flushing
        /// Output done and shut down; reading and discarding until the peer closes, so that
        /// unread input does not make the kernel reset the answer away (RFC 9112 §9.6).
        case lingering
    }

    public let loop: EventLoop
    private let fd: Int32
    private var delegate: ConnectionDelegate?
    private var pendingOutput: [UInt8] = []
    private var pendingOffset = 0
    private var readingPaused = false
    /// Edge-triggered: input may be waiting that no new edge will announce.
    private var inputPending = false
    private var inputEnded = false
    /// The peer shut down its side: read until EOF, not just until a short read.
    private var peerClosed = false
    private var closing = Closing.open
    public private(set) var isClosed = false
    /// How long a closing connection waits for a peer that does not read, in seconds.
    public var lingerTimeout = 10.0
    /// How long a closed-for-writing connection keeps reading before it closes anyway.
    public var lingeringReadTimeout = 2.0

    /// Takes ownership of `fd`, an accepted non-blocking socket. Call `start` on `loop`.
    public init(fd: Int32, loop: EventLoop) {
        self.fd = fd
        self.loop = loop
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Joins the loop's epoll set and starts reading. Call on the loop.
    public func start(delegate: ConnectionDelegate) {
        self.delegate = delegate
        do {
            try loop.register(fd, handler: self)
        } catch {
            close()
        }
    }

    /// Answers a connection that will never be started (for example one over a connection
    /// limit) with a short response and closes it, without waiting for the peer.
    public static func reject(fd: Int32, with bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(fd, Int32(SHUT_WR))
        Glibc.close(fd)
    }

    /// Sends bytes, queuing what the kernel does not take now. Call on the loop.
    public func write(_ bytes: [UInt8]) {
        guard !isClosed, closing == .open else { return }
        if pendingOffset == pendingOutput.count {
            let written = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written == bytes.count {
                delegate?.connectionDidFlushOutput(self)
                return
            }
            if written < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                close()
                return
            }
            pendingOutput.removeAll(keepingCapacity: true)
            pendingOffset = 0
            pendingOutput.append(contentsOf: bytes[max(written, 0)...])
        } else {
            pendingOutput.append(contentsOf: bytes)
        }
    }

    /// Bytes queued but not yet accepted by the kernel.
    public var pendingOutputByteCount: Int { pendingOutput.count - pendingOffset }

    /// Closes once everything queued has been written (or after `lingerTimeout` if the peer
    /// stops reading), after a short lingering read. Call on the loop.
    public func closeAfterFlushing() {
        guard !isClosed, closing == .open else { return }
        closing = .flushing
        readingPaused = true
        if pendingOutputByteCount == 0 {
            beginLingering()
        } else {
            setDeadline(EventLoop.now() + UInt64(lingerTimeout * 1e9))
        }
    }

    /// Stops delivering reads (backpressure); the kernel's buffer then fills and slows the peer.
    public func suspendReading() {
        readingPaused = true
    }

    public func resumeReading() {
        guard readingPaused, !isClosed, closing == .open else { return }
        readingPaused = false
        if inputPending { readAvailable() }
    }

    /// Arms the connection's single deadline (loop clock), replacing any earlier one, or clears it.
    public func setDeadline(_ deadline: UInt64?) {
        guard !isClosed else { return }
        loop.setDeadline(deadline, for: self)
    }

    /// Closes now, dropping unwritten bytes. Call on the loop.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        loop.setDeadline(nil, for: self)
        loop.closeDescriptor(fd)
        let delegate = self.delegate
        self.delegate = nil
        delegate?.connectionDidClose(self)
    }

    // MARK: EventLoopHandler, DeadlineHandler

    public func descriptorIsReady(readable: Bool, writable: Bool, peerClosed: Bool) {
        if peerClosed { self.peerClosed = true }
        if writable && !isClosed && pendingOffset < pendingOutput.count { flush() }
        guard readable, !isClosed else { return }
        if readingPaused && closing != .lingering {
            inputPending = true
            return
        }
        readAvailable()
    }

    public func deadlineDidPass(now: UInt64) {
        guard !isClosed else { return }
        if closing != .open {
            close()
        } else {
            delegate?.connectionDeadlineDidPass(self)
        }
    }

    // MARK: Reading and writing

    private func readAvailable() {
        inputPending = false
        guard !inputEnded else {
            if closing == .lingering { close() }
            return
        }
        let buffer = loop.readBuffer
        while !isClosed {
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count > 0 {
                // A short read emptied the socket; the next arrival raises a new edge.
                let drained = count < buffer.count && !peerClosed
                if closing == .lingering {
                    if drained { return } else { continue }
                }
                delegate?.connection(self, didRead: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                if drained || isClosed { return }
                if readingPaused {
                    inputPending = true
                    return
                }
            } else if count == 0 {
                inputEnded = true
                if closing == .lingering {
                    close()
                } else {
                    readingPaused = true
                    delegate?.connectionDidReachEndOfInput(self)
                }
                return
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                return
            } else {
                close()
                return
            }
        }
    }

    private func flush() {
        while pendingOffset < pendingOutput.count {
            let written = pendingOutput.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + pendingOffset, raw.count - pendingOffset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                pendingOffset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return
            } else {
                close()
                return
            }
        }
        // Freed, not kept: a thousand connections that once queued an answer would otherwise
        // each keep their largest queue.
        pendingOutput = []
        pendingOffset = 0
        if closing == .flushing {
            beginLingering()
        } else {
            delegate?.connectionDidFlushOutput(self)
        }
    }

    private func beginLingering() {
        closing = .lingering
        shutdown(fd, Int32(SHUT_WR))
        setDeadline(EventLoop.now() + UInt64(lingeringReadTimeout * 1e9))
        readAvailable()
    }
}
