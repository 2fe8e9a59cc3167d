import Foundation
import HTTP1
import SocketLoop

#if canImport(Glibc)
    import Glibc
#endif

/// The socket side of a `FakeFreedomPay`: plain POSIX sockets on an ephemeral 127.0.0.1
/// port, one thread accepting and one per connection, requests read with
/// `MinimalRequestReader` and answers written with `MinimalRequestReader.answer`, sharing no
/// code with the HTTP1 parser or HTTPServer. A request the reader refuses (bad framing) is
/// answered 400 and the connection closed; it is counted, never recorded as a request.
/// `@unchecked Sendable`: mutable state is behind `lock`.
public final class FakeFreedomPayServer: @unchecked Sendable {
    public let port: UInt16
    private let fake: FakeFreedomPay
    private let acceptor: LoopbackAcceptor
    private let lock = NSLock()
    private var connections = 0
    private var refused = 0
    private var openDescriptors: Set<Int32> = []
    private var stopped = false
    private var noneOpenWaiters: [Latch] = []

    init(_ fake: FakeFreedomPay) throws {
        self.fake = fake
        acceptor = try LoopbackAcceptor()
        port = acceptor.port
        acceptor.start { [self] fd in accepted(fd) }
    }

    public var address: ListenAddress { .tcp(host: "127.0.0.1", port: port) }
    /// TCP connections accepted.
    public var connectionCount: Int { lock.withLock { connections } }
    /// Connections whose thread has not finished yet.
    public var openConnectionCount: Int { lock.withLock { openDescriptors.count } }
    /// Requests refused for their framing (answered 400, not handed to the fake).
    public var refusedFramingCount: Int { lock.withLock { refused } }

    /// Stops accepting (the port refuses connections once this returns), releases held
    /// requests, shuts every connection down and returns once their threads have ended.
    public func stop() async {
        acceptor.stop()
        await acceptor.closed.wait()
        fake.release.open()
        let none = lock.withLock {
            stopped = true
            // shutdown, not close: each connection thread closes its own descriptor.
            for fd in openDescriptors { _ = shutdown(fd, Int32(SHUT_RDWR)) }
            return openDescriptors.isEmpty
        }
        guard !none else { return }
        let noneOpen = Latch()
        lock.withLock {
            if openDescriptors.isEmpty { noneOpen.open() } else { noneOpenWaiters.append(noneOpen) }
        }
        await noneOpen.wait()
    }

    private func accepted(_ fd: Int32) {
        let admitted = lock.withLock {
            guard !stopped else { return false }
            connections += 1
            openDescriptors.insert(fd)
            return true
        }
        guard admitted else {
            Glibc.close(fd)
            return
        }
        let thread = Thread { [self] in
            serve(fd)
            let waiters = lock.withLock {
                _ = openDescriptors.remove(fd)
                guard openDescriptors.isEmpty else { return [Latch]() }
                defer { noneOpenWaiters = [] }
                return noneOpenWaiters
            }
            Glibc.close(fd)
            for waiter in waiters { waiter.open() }
        }
        thread.start()
    }

    private func serve(_ fd: Int32) {
        var reader = MinimalRequestReader()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let request: MinimalRequestReader.Request?
            do {
                request = try reader.next()
            } catch {
                lock.withLock { refused += 1 }
                let refusal = HTTPResponse(status: 400, body: Array(#"{"code":"malformed_request"}"#.utf8))
                _ = write(MinimalRequestReader.answer(refusal, keepAlive: false), to: fd)
                // Half close, then read to the peer's close: closing with unread bytes would
                // reset the connection and could discard the 400 before the peer reads it.
                _ = shutdown(fd, Int32(SHUT_WR))
                while buffer.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) > 0 {}
                return
            }
            if let request {
                let answer = fake.answer(request)
                guard write(MinimalRequestReader.answer(answer, keepAlive: request.keepAlive), to: fd), request.keepAlive else { return }
                continue
            }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            reader.append(buffer.prefix(count))
        }
    }

    private func write(_ bytes: [UInt8], to fd: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }
}
