#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A blocking client connection, for short synchronous exchanges such as a health check.
/// The server side of this module is non-blocking; this is deliberately not.
public enum BlockingClientSocket {
    /// A connected descriptor with send and receive timeouts of `timeoutSeconds`; the caller closes it.
    public static func connect(to address: ListenAddress, timeoutSeconds: Int) throws(SocketError) -> Int32 {
        let storage: SocketAddressStorage?
        switch address {
        case .tcp(let host, let port): storage = SocketAddressStorage(host: host, port: port)
        case .unix(let path): storage = SocketAddressStorage(unixPath: path)
        }
        guard let storage else { throw SocketError("address \(address)", errno: EINVAL) }
        let fd = socket(storage.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .current("socket") }
        var limit = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard storage.withSockAddr({ Glibc.connect(fd, $0, $1) }) == 0 else {
            let error = SocketError.current("connect \(address)")
            Glibc.close(fd)
            throw error
        }
        return fd
    }
}
