import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A TCP socket bound to 127.0.0.1 on an ephemeral port, listening or not.
enum LoopbackSocket {
    static func bind(listening: Bool) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestServerError.socket(errno) }
        if listening {
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, !listening || listen(fd, 64) == 0 else {
            let error = errno
            Glibc.close(fd)
            throw TestServerError.socket(error)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }
}

/// A listening 127.0.0.1 socket and, once started, a thread that accepts connections
/// and hands each descriptor to the caller until `stop()`.
/// `@unchecked Sendable`: the descriptors are fixed after init and only the accept thread uses them.
final class LoopbackAcceptor: @unchecked Sendable {
    let port: UInt16
    private let listenFD: Int32
    private let wakePipe: (read: Int32, write: Int32)
    private let stopped = NSLock()
    private var isStopped = false
    /// Opened once the listening socket is closed: from then on, connecting is refused.
    let closed = Latch()

    init() throws {
        let (fd, port) = try LoopbackSocket.bind(listening: true)
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            let error = errno
            Glibc.close(fd)
            throw TestServerError.socket(error)
        }
        self.listenFD = fd
        self.port = port
        self.wakePipe = (fds[0], fds[1])
    }

    /// Starts the accept thread; `onAccept` owns each accepted descriptor.
    func start(onAccept: @escaping @Sendable (Int32) -> Void) {
        let thread = Thread { [self] in acceptLoop(onAccept) }
        thread.start()
    }

    /// Stops accepting and closes the listener (on the accept thread). Idempotent.
    func stop() {
        stopped.lock()
        let wasStopped = isStopped
        isStopped = true
        stopped.unlock()
        if !wasStopped {
            var byte: UInt8 = 1
            _ = Glibc.write(wakePipe.write, &byte, 1)
        }
    }

    private func acceptLoop(_ onAccept: @Sendable (Int32) -> Void) {
        while true {
            var fds = [
                pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, -1)
            if ready < 0 { if errno == EINTR { continue } else { break } }
            if fds[1].revents != 0 { break }
            guard fds[0].revents != 0 else { continue }
            let client = accept(listenFD, nil, nil)
            if client < 0 { continue }
            onAccept(client)
        }
        Glibc.close(listenFD)
        Glibc.close(wakePipe.read)
        Glibc.close(wakePipe.write)
        closed.open()
    }
}
