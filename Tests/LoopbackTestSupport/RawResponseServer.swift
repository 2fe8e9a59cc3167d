import Foundation
import SocketLoop
#if canImport(Glibc)
import Glibc
#endif

/// A loopback server that answers every connection with fixed raw bytes and closes, for
/// upstream responses no well-behaved server would send (truncated bodies, bad framing).
public final class RawResponseServer: @unchecked Sendable {
    public let address: ListenAddress
    private let fd: Int32

    public init(response: [UInt8]) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 16) == 0 else { throw LoopbackClientError("raw server bind/listen failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        address = .tcp(host: "127.0.0.1", port: UInt16(bigEndian: addr.sin_port))
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }
                // Read the request head (and whatever body came with it) before answering.
                var buffer = [UInt8](repeating: 0, count: 65536)
                var received: [UInt8] = []
                while !received.containsHeadEnd {
                    let n = recv(client, &buffer, buffer.count, 0)
                    guard n > 0 else { break }
                    received += buffer[..<n]
                }
                _ = response.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(client)
            }
        }
    }

    deinit { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
}

private extension Array where Element == UInt8 {
    var containsHeadEnd: Bool {
        count >= 4 && (0...(count - 4)).contains { self[$0..<$0 + 4].elementsEqual([13, 10, 13, 10]) }
    }
}
