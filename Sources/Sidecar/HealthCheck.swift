import Glibc
import SocketLoop

/// A minimal HTTP GET for container health checks, so the image needs neither curl nor a shell.
public enum HealthCheck {
    /// Whether `url` (`http://HOST:PORT/path`, loopback or IP literal) answers 200 within `timeout` seconds.
    public static func isHealthy(url: String, timeout: Int = 3) -> Bool {
        failure(url: url, timeout: timeout) == nil
    }

    /// Why `url` is not healthy, for the operator (`healthcheck` prints it); nil when it
    /// answered 200. The status line of another answer is shown, bounded and escaped.
    public static func failure(url: String, timeout: Int = 3) -> String? {
        guard url.hasPrefix("http://") else { return "\(LogText.bounded(url, limit: 64)): only http:// URLs are probed" }
        let rest = url.dropFirst("http://".count)
        let authority = String(rest.prefix { $0 != "/" })
        let path = rest.dropFirst(authority.count)
        guard let address = try? ListenAddress(parsing: authority), case .tcp = address else {
            return "\(LogText.bounded(url, limit: 64)): give http://HOST:PORT/path with an IP address or localhost"
        }
        let fd: Int32
        do throws(SocketError) {
            fd = try BlockingClientSocket.connect(to: address, timeoutSeconds: timeout)
        } catch {
            return "cannot connect to \(authority): \(String(cString: strerror(error.errno)))"
        }
        defer { close(fd) }
        let request = Array("GET \(path.isEmpty ? "/" : String(path)) HTTP/1.1\r\nHost: \(authority)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            return "cannot send the request to \(authority): \(String(cString: strerror(errno)))"
        }
        // The admin listener's answers are short and it closes the connection: read until then.
        var reply = [UInt8](repeating: 0, count: 1024)
        let count = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_WAITALL)) }
        guard count >= 0 else {
            let reason = errno == EAGAIN || errno == EWOULDBLOCK ? "no answer within \(timeout) s" : String(cString: strerror(errno))
            return "\(url): \(reason)"
        }
        guard count >= 12 else { return "\(url): the connection closed after \(count) bytes, before a status line" }
        if reply[0..<12].elementsEqual("HTTP/1.1 200".utf8) { return nil }
        let received = reply[0..<count]
        let statusLine = String(decoding: received.prefix { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
        var answer = "\(url) answered \(LogText.bounded(statusLine, limit: 64))"
        // The body says why (the admin listener's /readyz answers "draining", "no upstream").
        if let end = received.firstRange(of: [0x0D, 0x0A, 0x0D, 0x0A]) {
            var bytes = received[end.upperBound...]
            while let last = bytes.last, last == 0x0A || last == 0x0D || last == 0x20 { bytes = bytes.dropLast() }
            let body = String(decoding: bytes, as: UTF8.self)
            if !body.isEmpty { answer += ": \(LogText.bounded(body, limit: 128))" }
        }
        return answer
    }
}
