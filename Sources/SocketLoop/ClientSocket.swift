#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A resolved peer address for outgoing connections.
public struct SocketAddress: Sendable {
    var storage: SocketAddressStorage

    /// An IP literal (v4 or v6) and port; nil for anything else.
    public init?(ipLiteral host: String, port: UInt16) {
        guard let storage = SocketAddressStorage(host: host, port: port) else { return nil }
        self.storage = storage
    }

    init(storage: SocketAddressStorage) {
        self.storage = storage
    }

    /// Resolves `host` with getaddrinfo (blocking: call it off the event loops).
    public static func resolve(host: String, port: UInt16) throws(ResolveError) -> [SocketAddress] {
        if let literal = SocketAddress(ipLiteral: host, port: port) { return [literal] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw ResolveError(description: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let raw = current.pointee.ai_addr, Int(current.pointee.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size {
                var storage = SocketAddressStorage()
                withUnsafeMutableBytes(of: &storage.storage) { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: Int(current.pointee.ai_addrlen)))
                }
                storage.length = current.pointee.ai_addrlen
                addresses.append(SocketAddress(storage: storage))
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }
}

public struct ResolveError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Outgoing non-blocking TCP connections for the event loops.
public enum ClientSocket {
    /// A new non-blocking socket connecting to `address`: `connected` is false while the
    /// connect is in progress (the socket becomes writable when it ends; read `pendingError`).
    public static func connect(to address: SocketAddress) throws(SocketError) -> (fd: Int32, connected: Bool) {
        let fd = socket(
            address.storage.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .current("socket") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let result = address.storage.withSockAddr { Glibc.connect(fd, $0, $1) }
        if result == 0 { return (fd, true) }
        if errno == EINPROGRESS { return (fd, false) }
        let error = SocketError.current("connect")
        Glibc.close(fd)
        throw error
    }

    /// The outcome of a non-blocking connect (SO_ERROR): 0 when connected.
    public static func pendingError(_ fd: Int32) -> Int32 {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else { return errno }
        return error
    }
}
