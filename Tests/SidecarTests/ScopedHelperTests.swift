import HTTPServer
import LoopbackTestSupport
import Synchronization
import Testing

@testable import Sidecar

/// The scoped helpers themselves: what a test starts is stopped even when its body throws.
@Suite(.timeLimit(.minutes(1))) struct ScopedHelperTests {
    @Test func withSidecarAndWithFakeFreedomPayStopBothWhenTheBodyThrows() async throws {
        let started = Mutex<(upstream: FakeFreedomPayServer, sidecar: Sidecar)?>(nil)
        await #expect(throws: LoopbackClientError.self) {
            try await withFakeFreedomPay { upstream, _ in
                try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                    started.withLock { $0 = (upstream, sidecar) }
                    let client = try LoopbackClient(sidecar.address)
                    try await client.send(refundRequest())
                    #expect(try await client.readResponse().status == 200)
                    throw LoopbackClientError("the body failed")
                }
            }
        }
        let (upstream, sidecar) = try #require(started.withLock { $0 })
        #expect(sidecar.proxyServer.openConnectionCount == 0)
        #expect(sidecar.adminServer.openConnectionCount == 0)
        #expect(upstream.openConnectionCount == 0)
        for address in [sidecar.address, sidecar.adminAddress, upstream.address] {
            #expect(throws: (any Error).self, "\(address) still accepts") { try LoopbackClient(address) }
        }
    }
}
