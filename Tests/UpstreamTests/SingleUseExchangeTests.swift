import HTTP1
import LoopbackTestSupport
import SocketLoop
import Testing

@testable import Upstream

/// `UpstreamRequest.singleUse`: the Merchant API's answers carry no request id, so such a
/// request gets a connection of its own and is never sent twice once a byte went out.
@Suite("single-use exchanges", .timeLimit(.minutes(1)))
struct SingleUseExchangeTests {
    private func makeClient() throws -> HTTPUpstreamClient {
        try HTTPUpstreamClient(
            configuration: UpstreamClientConfiguration(connectTimeout: 5, totalTimeout: 10), loops: EventLoopGroup(count: 1))
    }

    @Test func aResetAfterTheRequestWasWrittenIsNotResent() async throws {
        let server = try TestServer(handler: { _, connection in
            connection.reset()
            return false
        })
        defer { server.stop() }
        let client = try makeClient()
        defer { client.shutdown() }
        let request = UpstreamRequest(
            method: "POST", url: server.baseURL + "/revoke.php", body: Array("pg_payment_id=1".utf8), singleUse: true)
        do {
            _ = try await client.send(request)
            Issue.record("a reset connection answered")
        } catch {
            #expect(error.kind == "unreachable")
        }
        #expect(server.requests.count == 1, "sent once, never again")
        #expect(client.attemptCount == 1)
    }

    @Test func eachSingleUseRequestGetsItsOwnConnectionAndPooledOnesAreNotUsed() async throws {
        let server = try TestServer(handler: { _, connection in
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            return true
        })
        defer { server.stop() }
        let client = try makeClient()
        defer { client.shutdown() }
        // A pooled keep-alive connection exists first.
        _ = try await client.send(UpstreamRequest(method: "POST", url: server.baseURL + "/v5/g2g/edit", body: [1]))
        for _ in 0..<2 {
            let response = try await client.send(
                UpstreamRequest(method: "POST", url: server.baseURL + "/get_status3.php", body: [2], singleUse: true))
            #expect(response.status == 200)
        }
        #expect(server.requests.map(\.connection) == [0, 1, 2])
    }
}
