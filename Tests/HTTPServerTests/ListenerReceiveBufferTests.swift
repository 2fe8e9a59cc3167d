import Glibc
import LoopbackTestSupport
import SocketLoop
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1))) struct ListenerReceiveBufferTests {
    /// Accepted sockets inherit the listener's `SO_RCVBUF`, which bounds the unread bytes the
    /// kernel keeps per client (Linux reports twice the value set, its bookkeeping included).
    @Test func acceptedSocketsInheritTheSmallReceiveBuffer() async throws {
        let listener = try Listener(address: try ListenAddress(parsing: "127.0.0.1:0"), receiveBufferBytes: 8192)
        let accepted = Latch()
        let size = Mutex<Int32>(0)
        listener.start { fd in
            var value: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, &length)
            size.withLock { $0 = value }
            close(fd)
            accepted.open()
        }
        defer { listener.stop() }
        let client = try LoopbackClient(listener.address)
        await accepted.wait()
        #expect(size.withLock { $0 } == 16384)
        _ = client
    }
}
