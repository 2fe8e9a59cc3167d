import CLinuxEvents
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A descriptor registered in an event loop's epoll set. Called on the loop only.
public protocol EventLoopHandler: AnyObject {
    /// Edge-triggered readiness, both directions in one call. `readable`: input, end of input,
    /// hang-up or an error is pending (read until EAGAIN, or remember that input is pending).
    /// `writable`: the socket became writable, or a non-blocking connect finished.
    /// `peerClosed`: the peer shut down or reset; input must be read to its end even after a
    /// short read, since no further edge will announce the end.
    func descriptorIsReady(readable: Bool, writable: Bool, peerClosed: Bool)
}

/// Something with one deadline on an event loop. Called on the loop only.
public protocol DeadlineHandler: AnyObject {
    /// The deadline set with `EventLoop.setDeadline` passed; it is already cleared.
    func deadlineDidPass(now: UInt64)
}

/// One event loop: a serial `DispatchQueue` owning a private epoll set, watched by one
/// `DispatchSourceRead` on that queue, so that one Dispatch wake-up serves every ready
/// descriptor. Client and upstream sockets of the loop live in that set, and everything for
/// one request runs here without a thread hop. One timerfd in the same set is the loop's
/// only timer; it is armed only while some handler has a deadline.
///
/// While busy, the loop waits for its next events in `epoll_wait` itself (up to
/// `busyWaitMilliseconds`) instead of returning to Dispatch after each batch: a request's
/// answer usually arrives within that time, and waking this thread directly costs one context
/// switch where Dispatch's manager thread and a worker hand-off cost two or more. Work sent
/// with `execute` interrupts the wait through an eventfd. Idle, the loop returns to Dispatch
/// and nothing wakes it.
///
/// All mutable state is touched only on `queue`, which is why the class is `@unchecked Sendable`.
public final class EventLoop: @unchecked Sendable {
    public let queue: DispatchQueue
    /// Position in its group, from 0.
    public let index: Int
    private let epollFD: Int32
    private let timerFD: Int32
    private let wakeFD: Int32
    /// `execute` work queued but not yet started; the loop does not wait while any is pending.
    private let pendingWork = Atomic(0)
    /// Set while the loop waits in `epoll_wait` on its own, so that `execute` wakes it.
    private let waiting = Atomic(false)
    private var source: DispatchSourceRead?
    private var handlers: [EventLoopHandler?] = []
    private var readyEvents: [UInt32]
    private var readyTokens: [UInt64]
    private var deadlines: [ObjectIdentifier: (deadline: UInt64, handler: DeadlineHandler)] = [:]
    /// When the timerfd fires next, or nil when it is disarmed.
    private var armedDeadline: UInt64?
    /// One read buffer per loop, reused by every socket of the loop.
    public private(set) var readBuffer: UnsafeMutableRawBufferPointer

    private static let timerToken = UInt64.max
    private static let wakeToken = UInt64.max - 1
    /// How long a busy loop keeps waiting for events itself before handing back to Dispatch.
    public static let busyWaitMilliseconds: Int32 = 1
    private static let specificKey = DispatchSpecificKey<ObjectIdentifier>()

    public init(index: Int) throws(SocketError) {
        self.index = index
        epollFD = cle_epoll_create()
        guard epollFD >= 0 else { throw .current("epoll_create1") }
        timerFD = cle_timerfd_create()
        guard timerFD >= 0 else {
            let error = SocketError.current("timerfd_create")
            Glibc.close(epollFD)
            throw error
        }
        wakeFD = cle_eventfd_create()
        guard wakeFD >= 0 else {
            let error = SocketError.current("eventfd")
            Glibc.close(epollFD)
            Glibc.close(timerFD)
            throw error
        }
        queue = DispatchQueue(label: "event-loop-\(index)")
        readyEvents = Array(repeating: 0, count: 256)
        readyTokens = Array(repeating: 0, count: 256)
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        queue.setSpecific(key: EventLoop.specificKey, value: ObjectIdentifier(self))
        guard cle_epoll_add(epollFD, timerFD, UInt32(CLE_EPOLLIN), EventLoop.timerToken) == 0,
            cle_epoll_add(epollFD, wakeFD, UInt32(CLE_EPOLLIN), EventLoop.wakeToken) == 0
        else { throw .current("epoll_ctl") }
        let source = DispatchSource.makeReadSource(fileDescriptor: epollFD, queue: queue)
        // Weak: a loop that is dropped must not be kept alive (or called after deinit) by a
        // wake-up that Dispatch already had under way when deinit cancelled the source.
        source.setEventHandler { [weak self] in self?.processReadyDescriptors() }
        // The descriptors are closed once Dispatch has stopped watching the epoll set.
        source.setCancelHandler { [epollFD, timerFD, wakeFD] in
            Glibc.close(wakeFD)
            Glibc.close(timerFD)
            Glibc.close(epollFD)
        }
        self.source = source
        source.resume()
    }

    /// A loop outlives everything registered on it (connections and pools hold it strongly),
    /// so nothing can still use its buffer or descriptors here.
    deinit {
        source?.cancel()
        readBuffer.deallocate()
    }

    /// Whether the caller runs on this loop's queue.
    public var inEventLoop: Bool {
        DispatchQueue.getSpecific(key: EventLoop.specificKey) == ObjectIdentifier(self)
    }

    /// Runs `work` on the loop.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        // Sequentially consistent with the loop's check in `processReadyDescriptors`: either the
        // loop sees the pending work and does not wait, or this sees it waiting and wakes it.
        pendingWork.add(1, ordering: .sequentiallyConsistent)
        queue.async { [self] in
            pendingWork.subtract(1, ordering: .relaxed)
            work()
        }
        if waiting.load(ordering: .sequentiallyConsistent) { cle_eventfd_signal(wakeFD) }
    }

    /// The loop's clock: CLOCK_MONOTONIC in nanoseconds.
    public static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    // MARK: Descriptors

    /// Adds `fd` to the epoll set, edge-triggered for input, output and peer shutdown: one
    /// `epoll_ctl` for the descriptor's whole life. Closing the descriptor removes it.
    public func register(_ fd: Int32, handler: EventLoopHandler) throws(SocketError) {
        dispatchPrecondition(condition: .onQueue(queue))
        let slot = Int(fd)
        if slot >= handlers.count { handlers.append(contentsOf: repeatElement(nil, count: slot + 1 - handlers.count)) }
        handlers[slot] = handler
        let interest = UInt32(truncatingIfNeeded: CLE_EPOLLIN | CLE_EPOLLOUT | CLE_EPOLLRDHUP | CLE_EPOLLET)
        guard cle_epoll_add(epollFD, fd, interest, UInt64(fd)) == 0 else {
            handlers[slot] = nil
            throw .current("epoll_ctl add")
        }
    }

    /// Forgets `fd` and closes it. Closing drops it from the epoll set (it is never duplicated).
    public func closeDescriptor(_ fd: Int32) {
        dispatchPrecondition(condition: .onQueue(queue))
        if Int(fd) < handlers.count { handlers[Int(fd)] = nil }
        Glibc.close(fd)
    }

    private func processReadyDescriptors() {
        let capacity = Int32(readyEvents.count)
        var timeout: Int32 = 0
        while true {
            if timeout > 0 {
                waiting.store(true, ordering: .sequentiallyConsistent)
                if pendingWork.load(ordering: .sequentiallyConsistent) > 0 {
                    waiting.store(false, ordering: .relaxed)
                    return
                }
            }
            let count = Int(cle_epoll_wait(epollFD, &readyEvents, &readyTokens, capacity, timeout))
            if timeout > 0 { waiting.store(false, ordering: .relaxed) }
            // Nothing within the wait (or an error): back to Dispatch, which watches the set.
            guard count > 0 else { return }
            var woken = false
            for index in 0..<count {
                let token = readyTokens[index]
                if token == EventLoop.timerToken {
                    timerFired()
                    continue
                }
                if token == EventLoop.wakeToken {
                    cle_eventfd_drain(wakeFD)
                    woken = true
                    continue
                }
                let slot = Int(token)
                // A handler closed during this batch leaves a stale event behind; its slot is nil
                // (or belongs to a new descriptor, which then sees a harmless spurious wake-up).
                guard slot < handlers.count, let handler = handlers[slot] else { continue }
                let flags = Int(readyEvents[index])
                handler.descriptorIsReady(
                    readable: flags & (CLE_EPOLLIN | CLE_EPOLLRDHUP | CLE_EPOLLHUP | CLE_EPOLLERR) != 0,
                    writable: flags & (CLE_EPOLLOUT | CLE_EPOLLERR) != 0,
                    peerClosed: flags & (CLE_EPOLLRDHUP | CLE_EPOLLHUP | CLE_EPOLLERR) != 0)
            }
            // Queued work runs once this handler returns.
            if woken { return }
            timeout = count < readyEvents.count ? EventLoop.busyWaitMilliseconds : 0
        }
    }

    // MARK: Deadlines

    /// Sets (or with nil clears) the one deadline of `handler`, in `EventLoop.now()` nanoseconds.
    /// The timerfd is reprogrammed only when the new deadline is earlier than the armed one, so
    /// moving a deadline later per request costs no system call.
    public func setDeadline(_ deadline: UInt64?, for handler: DeadlineHandler) {
        dispatchPrecondition(condition: .onQueue(queue))
        let key = ObjectIdentifier(handler)
        guard let deadline else {
            deadlines.removeValue(forKey: key)
            return
        }
        deadlines[key] = (deadline, handler)
        if armedDeadline.map({ deadline < $0 }) ?? true { arm(deadline) }
    }

    /// Handlers with a deadline, for tests and metrics.
    public var deadlineCount: Int { deadlines.count }

    private func timerFired() {
        var expirations: UInt64 = 0
        _ = read(timerFD, &expirations, MemoryLayout<UInt64>.size)
        armedDeadline = nil
        let now = EventLoop.now()
        var due: [DeadlineHandler] = []
        var next: UInt64?
        for (key, entry) in deadlines {
            if entry.deadline <= now {
                due.append(entry.handler)
                deadlines.removeValue(forKey: key)
            } else {
                next = min(next ?? entry.deadline, entry.deadline)
            }
        }
        if let next { arm(next) }
        for handler in due { handler.deadlineDidPass(now: now) }
    }

    private func arm(_ deadline: UInt64) {
        armedDeadline = deadline
        // A zero it_value disarms a timerfd, so a deadline already past is armed at 1 ns.
        cle_timerfd_arm(timerFD, max(deadline, 1))
    }
}
