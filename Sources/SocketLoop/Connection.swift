import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a connection reports to its owner. Every call arrives on the connection's queue.
public protocol ConnectionDelegate: AnyObject, Sendable {
    func connection(_ connection: Connection, didRead bytes: [UInt8])
    /// The peer will send nothing more (it may still read).
    func connectionDidReachEndOfInput(_ connection: Connection)
    func connectionDidClose(_ connection: Connection)
    /// The deadline set with `setDeadline` passed.
    func connectionDeadlineDidPass(_ connection: Connection)
    /// Everything written so far has reached the kernel.
    func connectionDidFlushOutput(_ connection: Connection)
}

/// A non-blocking stream socket driven by Dispatch read/write sources and one timer,
/// all on a private serial queue. It knows nothing of what the bytes mean.
public final class Connection: @unchecked Sendable {
    /// All state below is touched only on this queue.
    public let queue: DispatchQueue
    private let fd: Int32
    private weak var delegate: (any ConnectionDelegate)?
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var timer: DispatchSourceTimer?
    private var readSuspended = false
    private var writeSourceRunning = false
    private var pendingOutput: [UInt8] = []
    private var pendingOffset = 0
    private var closeWhenFlushed = false
    private var cancelledSources = 0
    public private(set) var isClosed = false
    /// How long `closeAfterFlushing` waits for a peer that does not read before closing anyway.
    public var lingerTimeout = 10.0

    private static let readChunk = 64 * 1024

    init(fd: Int32) {
        self.fd = fd
        self.queue = DispatchQueue(label: "connection \(fd)")
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Begins reading; the delegate is held weakly, so its owner keeps it alive.
    public func start(delegate: any ConnectionDelegate) {
        queue.async { [self] in
            self.delegate = delegate
            let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            read.setEventHandler { [weak self] in self?.readAvailable() }
            // Strong captures: the connection outlives its sources until both are cancelled,
            // so the descriptor is closed exactly once, after Dispatch stops watching it.
            read.setCancelHandler { self.sourceDidCancel() }
            let write = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
            write.setEventHandler { [weak self] in self?.flush() }
            write.setCancelHandler { self.sourceDidCancel() }
            readSource = read
            writeSource = write
            read.resume()
        }
    }

    /// Queues bytes and writes as much as the socket takes now. Call on `queue`.
    public func write(_ bytes: [UInt8]) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isClosed else { return }
        pendingOutput.append(contentsOf: bytes)
        flush()
    }

    /// Bytes queued but not yet accepted by the kernel.
    public var pendingOutputByteCount: Int { pendingOutput.count - pendingOffset }

    /// Closes once everything queued has been written, or after `lingerTimeout` if the
    /// peer stops reading. Call on `queue`.
    public func closeAfterFlushing() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isClosed else { return }
        suspendReading()
        closeWhenFlushed = true
        if pendingOffset == pendingOutput.count {
            close()
        } else {
            setDeadline(.now() + lingerTimeout)
        }
    }

    /// Answers a connection that was never started (for example one over a connection
    /// limit) with a short response and closes it, without waiting for the peer.
    public func reject(with bytes: [UInt8]) {
        queue.async { [self] in
            guard !isClosed, readSource == nil else { return }
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close()
        }
    }

    /// Stops delivering reads (backpressure); the kernel's buffer then fills and slows the peer.
    public func suspendReading() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !readSuspended, !isClosed, let readSource else { return }
        readSuspended = true
        readSource.suspend()
    }

    public func resumeReading() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard readSuspended, !isClosed, !closeWhenFlushed, let readSource else { return }
        readSuspended = false
        readSource.resume()
    }

    /// Arms the single deadline (replacing any earlier one), or clears it with `nil`.
    /// One timer source lives as long as the connection and is only rescheduled: creating
    /// and cancelling a source per request costs more than the request's own work.
    public func setDeadline(_ deadline: DispatchTime?) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isClosed else { return }
        let timer = self.timer ?? makeTimer()
        timer.schedule(deadline: deadline ?? .distantFuture, leeway: .milliseconds(50))
    }

    private func makeTimer() -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [weak self] in
            guard let self, !self.isClosed else { return }
            self.timer?.schedule(deadline: .distantFuture)
            if self.closeWhenFlushed {
                self.close()
            } else {
                self.delegate?.connectionDeadlineDidPass(self)
            }
        }
        self.timer = timer
        timer.resume()
        return timer
    }

    /// Closes now, dropping unwritten bytes. Call on `queue`.
    public func close() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isClosed else { return }
        isClosed = true
        timer?.cancel()
        timer = nil
        guard readSource != nil else {
            // Never started: no source watches the descriptor.
            Glibc.close(fd)
            delegate?.connectionDidClose(self)
            return
        }
        // A suspended source must be resumed before cancelling, or Dispatch traps.
        if readSuspended { readSource?.resume() }
        if !writeSourceRunning { writeSource?.resume() }
        readSource?.cancel()
        writeSource?.cancel()
        delegate?.connectionDidClose(self)
    }

    private func sourceDidCancel() {
        cancelledSources += 1
        if cancelledSources == 2 {
            Glibc.close(fd)
            readSource = nil
            writeSource = nil
        }
    }

    private func readAvailable() {
        var count = 0
        let buffer = [UInt8](unsafeUninitializedCapacity: Connection.readChunk) { storage, initialized in
            count = recv(fd, storage.baseAddress, storage.count, 0)
            initialized = max(count, 0)
        }
        if count > 0 {
            delegate?.connection(self, didRead: buffer)
        } else if count == 0 {
            suspendReading()
            delegate?.connectionDidReachEndOfInput(self)
        } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
            close()
        }
    }

    private func flush() {
        while pendingOffset < pendingOutput.count {
            let written = pendingOutput.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + pendingOffset, raw.count - pendingOffset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                pendingOffset += written
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                if !writeSourceRunning, let writeSource {
                    writeSourceRunning = true
                    writeSource.resume()
                }
                return
            } else {
                close()
                return
            }
        }
        pendingOutput.removeAll(keepingCapacity: true)
        pendingOffset = 0
        if writeSourceRunning, let writeSource {
            writeSourceRunning = false
            writeSource.suspend()
        }
        if closeWhenFlushed {
            close()
        } else {
            delegate?.connectionDidFlushOutput(self)
        }
    }
}
