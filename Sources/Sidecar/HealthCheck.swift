import Glibc
import SocketLoop

/// A minimal HTTP GET for container health checks, so the image needs neither curl nor a shell.
public enum HealthCheck {
    /// Whether `url` (`http://HOST:PORT/path`, loopback or IP literal) answers 200 within `timeout` seconds.
    public static func isHealthy(url: String, timeout: Int = 3) -> Bool {
        guard url.hasPrefix("http://") else { return false }
        let rest = url.dropFirst("http://".count)
        let authority = String(rest.prefix { $0 != "/" })
        let path = rest.dropFirst(authority.count)
        guard let address = try? ListenAddress(parsing: authority), case .tcp = address,
            let fd = try? BlockingClientSocket.connect(to: address, timeoutSeconds: timeout)
        else { return false }
        defer { close(fd) }
        let request = Array("GET \(path.isEmpty ? "/" : String(path)) HTTP/1.1\r\nHost: \(authority)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return false }
        var reply = [UInt8](repeating: 0, count: 64)
        let count = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_WAITALL)) }
        guard count >= 12 else { return false }
        return reply[0..<12].elementsEqual("HTTP/1.1 200".utf8)
    }
}
