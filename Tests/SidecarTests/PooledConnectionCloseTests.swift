import LoopbackTestSupport
import Synchronization
import Testing

@testable import Sidecar

/// How the upstream ends a kept-alive connection.
enum UpstreamClose: String, Sendable, CustomStringConvertible {
    /// Orderly: FIN (shutdown of its output), then it waits for the sidecar to close.
    case fin
    /// Abortive: RST (SO_LINGER 0, or a close with the request unread).
    case rst
    var description: String { rawValue }
}

/// A pooled (kept-alive) upstream connection that the upstream closes: while it is idle, the
/// next refund goes out on a fresh connection with no retry; as the next refund's bytes
/// arrive, the refund is retried exactly once, byte for byte (same X-Request-Id and
/// signature), and the upstream processes it once. The upstream is `TestServer`, which reads
/// requests with its own code (no HTTP1 parser); attempts and retries are the sidecar's own
/// counters, read after the answer.
@Suite(.timeLimit(.minutes(1))) struct PooledConnectionCloseTests {
    /// A 200 that echoes the request's id as Freedom Pay does (a connection whose answer does
    /// not echo it is never reused).
    static func answer(to request: ReceivedRequest) -> String {
        let id = request.headerValues("X-Request-Id").first ?? ""
        return "HTTP/1.1 200 OK\r\nx-request-id: \(id)\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    }

    private func counters(_ sidecar: Sidecar) async -> (attempts: String?, retries: String?) {
        let text = String(decoding: await sidecar.metrics.exposition(), as: UTF8.self)
        func value(_ name: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.map { String($0.dropFirst(name.count + 1)) }
        }
        return (value("freedompay_sidecar_upstream_attempts_total"), value("freedompay_sidecar_upstream_retries_total"))
    }

    @Test(arguments: [UpstreamClose.fin, .rst])
    func closedWhileIdleTheNextRefundGoesOutOnAFreshConnectionWithoutARetry(_ close: UpstreamClose) async throws {
        // The first connection is closed only once the sidecar has handed the first answer to
        // its client, so with the connection back in its pool (UpstreamConnection.finish).
        let idle = BlockingGate()
        // Opened once the upstream's end is gone: for FIN when the sidecar has closed its side
        // (it dropped the pooled connection), for RST once the reset is sent.
        let closed = Latch()
        let bytesAfterFIN = Mutex<[UInt8]>([])
        let server = try TestServer { request, connection in
            connection.write(Self.answer(to: request))
            guard connection.index == 0 else { return true }
            idle.wait()
            switch close {
            case .fin:
                connection.shutdownOutput()
                while let bytes = connection.readSome() { bytesAfterFIN.withLock { $0 += bytes } }
            case .rst:
                connection.reset()
            }
            closed.open()
            return false
        }
        defer {
            idle.open()
            server.stop()
        }
        try await withSidecar(upstream: server.baseURL) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send(refundRequest())
            #expect(try await client.readResponse().status == 200)
            idle.open()
            await closed.wait()
            if close == .rst {
                // The reset is already on the sidecar's socket; a round trip on the same client
                // connection (so on the same event loop) that never reaches the upstream lets
                // that loop see it before the next refund.
                try await client.send("GET /v5/g2g/edit HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await client.readResponse().status == 405)
            }
            try await client.send(refundRequest())
            let second = try await client.readResponse()
            #expect(second.status == 200)
            #expect(second.body == Array("{}".utf8))

            #expect(server.requests.map(\.connection) == [0, 1], "the second refund on a new connection")
            #expect(bytesAfterFIN.withLock { $0 }.isEmpty, "nothing is sent on a connection the upstream closed")
            let counters = await counters(sidecar)
            #expect(counters.attempts == "2", "one attempt per refund")
            #expect(counters.retries == "0")
        }
    }

    @Test(arguments: [UpstreamClose.fin, .rst])
    func closedAsTheNextRefundArrivesItIsRetriedOnceWithTheSameID(_ close: UpstreamClose) async throws {
        // What reached the upstream's socket on the first connection before it closed, unread
        // by its application (as when a server's idle timeout fires as a request arrives).
        let unprocessed = Mutex<[UInt8]>([])
        let server = try TestServer { request, connection in
            connection.write(Self.answer(to: request))
            guard connection.index == 0 else { return true }
            connection.waitUntilReadable()
            unprocessed.withLock { $0 = connection.peek() }
            switch close {
            case .fin:
                connection.shutdownOutput()
                while connection.readSome() != nil {}  // discarded, until the sidecar closes
            case .rst:
                connection.close()  // with the request unread: RST
            }
            return false
        }
        defer { server.stop() }
        try await withSidecar(upstream: server.baseURL) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send(refundRequest())
            #expect(try await client.readResponse().status == 200)
            try await client.send(refundRequest())
            let second = try await client.readResponse()
            #expect(second.status == 200)
            #expect(second.body == Array("{}".utf8))

            let processed = server.requests
            try #require(processed.count == 2, "the upstream processes each refund once")
            #expect(processed.map(\.connection) == [0, 1])
            let retry = processed[1]
            let id = try #require(retry.headerValues("X-Request-Id").first)
            #expect(second.header("x-request-id") == id)
            #expect(processed[0].headerValues("X-Request-Id").first != id, "each refund has its own id")

            // The attempt the upstream never processed is the retry, byte for byte: the same
            // X-Request-Id and the same X-JWS-Signature.
            let lost = unprocessed.withLock { $0 }
            let retryBytes = retry.head + retry.body
            #expect(!lost.isEmpty)
            #expect(retryBytes.starts(with: lost), "the retry repeats the lost attempt's bytes")
            #expect(String(decoding: lost, as: UTF8.self).contains("\r\nX-Request-Id: \(id)\r\n"))

            let counters = await counters(sidecar)
            #expect(counters.attempts == "3", "one attempt for the first refund, two for the second")
            #expect(counters.retries == "1", "exactly one retry")
        }
    }
}
