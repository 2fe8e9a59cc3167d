import HTTP1
import LoopbackTestSupport
import SocketLoop
import Testing

@testable import Upstream

/// Ambiguous or broken framing from the upstream never becomes a short or mis-framed answer:
/// it is `.brokenResponse` (502 `upstream_bad_response` at the proxy), never retried, and
/// the connection is not reused (RFC 9112 §6.3).
@Suite("HTTPUpstreamClient: upstream framing over loopback", .timeLimit(.minutes(1)))
struct HTTPUpstreamClientFramingTests {
    private func client() throws -> HTTPUpstreamClient {
        try HTTPUpstreamClient(
            configuration: UpstreamClientConfiguration(connectTimeout: 5, totalTimeout: 10), loops: EventLoopGroup(count: 1))
    }

    /// A server that answers each request with `raw` and then closes or keeps the connection.
    private func server(_ raw: String, keepOpen: Bool = false) throws -> TestServer {
        try TestServer { _, connection in
            connection.write(Array(raw.utf8))
            return keepOpen
        }
    }

    @Test(
        "ambiguous framing is a broken response, not retried",
        arguments: [
            ("two Content-Length values", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nokk"),
            (
                "Content-Length with Transfer-Encoding",
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
            ),
            ("an unknown coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
            ("a chunk size that is not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n"),
            ("a chunk without its CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n0\r\n\r\n"),
            ("101 Switching Protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n"),
            ("obs-fold", "HTTP/1.1 200 OK\r\nX-A: 1\r\n  2\r\nContent-Length: 0\r\n\r\n"),
        ])
    func ambiguousFraming(name: String, raw: String) async throws {
        let server = try server(raw)
        defer { server.stop() }
        let client = try client()
        defer { client.shutdown() }
        do {
            _ = try await client.send(UpstreamRequest(method: "POST", url: server.baseURL + "/", body: [1]))
            Issue.record("\(name): expected .brokenResponse, got an answer")
        } catch {
            guard case .brokenResponse = error else {
                Issue.record("\(name): expected .brokenResponse, got \(error)")
                return
            }
        }
        #expect(client.attemptCount == 1, "\(name)")
    }

    @Test("an answer cut at any byte is a broken response, never a short success")
    func cutAnywhere() async throws {
        let full =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n"
        let bytes = Array(full.utf8)
        let client = try client()
        defer { client.shutdown() }
        for cut in 1..<bytes.count {
            let server = try server(String(decoding: bytes[..<cut], as: UTF8.self))
            defer { server.stop() }
            do {
                let answer = try await client.send(UpstreamRequest(method: "GET", url: server.baseURL + "/"))
                Issue.record("cut at \(cut): got \(answer.status) with \(answer.body.count) body bytes")
            } catch {
                if case .brokenResponse = error { continue }
                Issue.record("cut at \(cut): expected .brokenResponse, got \(error)")
            }
        }
    }

    @Test("1xx answers are skipped; a close-delimited body is complete at the close")
    func interimAndCloseDelimited() async throws {
        let server = try server(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nuntil close")
        defer { server.stop() }
        let client = try client()
        defer { client.shutdown() }
        let answer = try await client.send(UpstreamRequest(method: "GET", url: server.baseURL + "/"))
        #expect(answer.status == 200)
        #expect(answer.headers == [HTTPHeader(name: "X-A", value: "1")])
        #expect(answer.body == Array("until close".utf8))
    }

    @Test(
        "204 and 304 have no body: stray bytes after them end the connection instead of framing the next answer",
        arguments: [
            ("204", "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"),
            // RFC 9110 §8.6: a 304's Content-Length is the selected representation's, not a body.
            ("304", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 5\r\n\r\n"),
        ])
    func noBodyStatusesWithStrayBytes(status: String, head: String) async throws {
        let server = try TestServer { request, connection in
            if request.requestLine.hasPrefix("GET /first ") {
                connection.write(Array((head + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nforge").utf8))
            } else {
                connection.write(Array("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal".utf8))
            }
            return true
        }
        defer { server.stop() }
        let client = try client()
        defer { client.shutdown() }
        let first = try await client.send(UpstreamRequest(method: "GET", url: server.baseURL + "/first"))
        #expect(first.status == Int(status))
        #expect(first.body.isEmpty)
        let second = try await client.send(UpstreamRequest(method: "GET", url: server.baseURL + "/second"))
        #expect(second.body == Array("real".utf8), "the forged bytes after the \(status) must not become the next answer")
        #expect(server.connectionCount == 2)
    }
}
