import CLinuxEvents
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A non-blocking listening socket whose accepts are driven by a `DispatchSource`.
public final class Listener: @unchecked Sendable {
    /// The bound address; for TCP port 0, the port the kernel chose.
    public let address: ListenAddress
    private let fd: Int32
    private let queue: DispatchQueue
    private var source: DispatchSourceRead?
    private var acceptPaused = false

    /// Binds and listens. A Unix socket file gets `unixSocketMode` before any client can connect.
    /// `receiveBufferBytes` sets `SO_RCVBUF`, which accepted sockets inherit (set before
    /// `listen` so that TCP's window is sized by it): it bounds the unread bytes the kernel keeps
    /// per connection (Linux doubles the value for its bookkeeping).
    public init(address: ListenAddress, backlog: Int32 = 511, unixSocketMode: mode_t = 0o660, receiveBufferBytes: Int32? = nil)
        throws(SocketError)
    {
        var storage: SocketAddressStorage
        switch address {
        case .tcp(let host, let port):
            guard let tcp = SocketAddressStorage(host: host, port: port) else { throw SocketError("address", errno: EINVAL) }
            storage = tcp
        case .unix(let path):
            guard let unix = SocketAddressStorage(unixPath: path) else { throw SocketError("address", errno: ENAMETOOLONG) }
            storage = unix
            try Listener.removeStaleSocket(at: path)
        }
        let fd = socket(storage.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .current("socket") }
        var one: Int32 = 1
        if storage.family != AF_UNIX {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        if var receiveBufferBytes {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBufferBytes, socklen_t(MemoryLayout<Int32>.size))
        }
        if storage.family == AF_INET6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        guard storage.withSockAddr({ bind(fd, $0, $1) }) == 0 else {
            let error = SocketError.current("bind \(address)")
            Glibc.close(fd)
            throw error
        }
        if case .unix(let path) = address {
            // Between bind and listen nobody can connect yet, so the mode is in force before the first client.
            guard chmod(path, unixSocketMode) == 0 else {
                let error = SocketError.current("chmod \(path)")
                Glibc.close(fd)
                throw error
            }
        }
        guard listen(fd, backlog) == 0 else {
            let error = SocketError.current("listen \(address)")
            Glibc.close(fd)
            throw error
        }
        var bound = SocketAddressStorage()
        bound.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutableBytes(of: &bound.storage) { raw in
            getsockname(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &bound.length)
        }
        if case .tcp(let host, _) = address {
            self.address = .tcp(host: host, port: bound.port)
        } else {
            self.address = address
        }
        self.fd = fd
        self.queue = DispatchQueue(label: "listener \(self.address)")
    }

    /// Starts accepting; each new non-blocking socket is handed to `onAccept` on the
    /// listener's queue, which gives it to an event loop.
    public func start(onAccept: @escaping @Sendable (Int32) -> Void) {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [self, fd] in
            while true {
                let client = cle_accept_nonblocking(fd)
                if client < 0 {
                    // Out of descriptors or memory: the pending connection keeps the source
                    // firing, so pause accepting briefly instead of spinning.
                    if [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(errno) { pauseAccepting() }
                    return
                }
                onAccept(client)
            }
        }
        source.setCancelHandler { [fd] in Glibc.close(fd) }
        self.source = source
        source.resume()
    }

    /// Stops accepting and closes the listening socket (removing a Unix socket file).
    public func stop() {
        let wasListening = queue.sync {
            defer { source = nil }
            // Refuse new connections now; the descriptor itself is closed by the cancel
            // handler, once Dispatch has stopped watching it.
            if source != nil { shutdown(fd, Int32(SHUT_RDWR)) }
            if acceptPaused { source?.resume() }
            acceptPaused = false
            source?.cancel()
            return source != nil
        }
        // Unlinked here rather than in the cancel handler, which runs later: the process
        // may exit right after stop() returns.
        if wasListening, case .unix(let path) = address { unlink(path) }
    }

    private func pauseAccepting() {
        guard !acceptPaused, let source else { return }
        acceptPaused = true
        source.suspend()
        queue.asyncAfter(deadline: .now() + .milliseconds(100)) { [self] in
            guard acceptPaused, let source = self.source else { return }
            acceptPaused = false
            source.resume()
        }
    }

    /// Refuses to replace anything but a leftover socket file at `path`.
    private static func removeStaleSocket(at path: String) throws(SocketError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw SocketError("bind \(path): not a socket", errno: EEXIST) }
        unlink(path)
    }
}
