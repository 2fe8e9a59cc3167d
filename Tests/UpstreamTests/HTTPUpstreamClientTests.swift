import Foundation
import HTTP1
import LoopbackTestSupport
import SocketLoop
import Synchronization
import Testing

@testable import Upstream

/// A client on its own single event loop, so that its connection and queue limits are exact.
private func makeClient(_ configure: (inout UpstreamClientConfiguration) -> Void = { _ in }) throws -> HTTPUpstreamClient {
    var configuration = UpstreamClientConfiguration(connectTimeout: 5, totalTimeout: 10)
    configure(&configuration)
    return try HTTPUpstreamClient(configuration: configuration, loops: EventLoopGroup(count: 1))
}

/// A handler that answers every request with `response` and keeps the connection open.
private func answering(_ response: String) -> TestServer.Handler {
    answering(Array(response.utf8))
}

private func answering(_ response: [UInt8]) -> TestServer.Handler {
    { _, connection in
        connection.write(response)
        return true
    }
}

/// Sends and returns the thrown UpstreamError, or nil if the call succeeded.
private func sendExpectingError(_ client: HTTPUpstreamClient, _ request: UpstreamRequest) async -> UpstreamError? {
    do {
        _ = try await client.send(request)
        return nil
    } catch {
        return error
    }
}

@Suite("HTTPUpstreamClient over loopback", .timeLimit(.minutes(1)))
struct HTTPUpstreamClientTests {
    @Test("status, headers and body pass through; repeated fields stay repeated and in order; no retry", arguments: [404, 503])
    func passThrough(status: Int) async throws {
        let raw =
            "HTTP/1.1 \(status) Whatever\r\n"
            + "Content-Type: application/json\r\n"
            + "Set-Cookie: a=1; Path=/\r\n"
            + "X-Spaced: \t inner  value \t\r\n"
            + "set-cookie: b=2\r\n"
            + "X-Empty:\r\n"
            + "Content-Length: 13\r\n"
            + "\r\n"
            + "{\"error\":\"x\"}"
        let server = try TestServer(handler: answering(raw))
        defer { server.stop() }
        let client = try makeClient()
        defer { client.shutdown() }

        let response = try await client.send(UpstreamRequest(method: "GET", url: server.baseURL + "/status"))

        #expect(response.status == status)
        #expect(
            response.headers == [
                HTTPHeader(name: "Content-Type", value: "application/json"),
                HTTPHeader(name: "Set-Cookie", value: "a=1; Path=/"),
                HTTPHeader(name: "X-Spaced", value: "inner  value"),
                HTTPHeader(name: "set-cookie", value: "b=2"),
                HTTPHeader(name: "X-Empty", value: ""),
                HTTPHeader(name: "Content-Length", value: "13"),
            ])
        #expect(response.body == Array("{\"error\":\"x\"}".utf8))
        #expect(response.attempts == 1)
        #expect(server.requests.count == 1)
        #expect(client.attemptCount == 1)
    }

    @Test("interim 1xx blocks are dropped, only the final header block is returned")
    func interimResponseDiscarded() async throws {
        let raw =
            "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n"
            + "HTTP/1.1 201 Created\r\nX-Final: yes\r\nContent-Length: 2\r\n\r\nok"
        let server = try TestServer(handler: answering(raw))
        defer { server.stop() }
        let client = try makeClient()
        defer { client.shutdown() }

        let response = try await client.send(UpstreamRequest(method: "POST", url: server.baseURL + "/", body: Array("{}".utf8)))

        #expect(response.status == 201)
        #expect(
            response.headers == [
                HTTPHeader(name: "X-Final", value: "yes"),
                HTTPHeader(name: "Content-Length", value: "2"),
            ])
        #expect(response.body == Array("ok".utf8))
    }

    @Test("a gzip body comes back byte for byte with its Content-Encoding")
    func gzipNotDecoded() async throws {
        // gzip of {"status":"ok","refund":"done"}
        let gzip: [UInt8] = [
            31, 139, 8, 0, 0, 0, 0, 0, 2, 255, 171, 86, 42, 46, 73, 44, 41, 45, 86, 178, 82, 202, 207, 86, 210, 81, 42,
            74, 77, 43, 205, 75, 1, 242, 82, 242, 243, 82, 149, 106, 1, 138, 159, 13, 47, 31, 0, 0, 0,
        ]
        let head = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: \(gzip.count)\r\n\r\n"
        let server = try TestServer(handler: answering(Array(head.utf8) + gzip))
        defer { server.stop() }
        let client = try makeClient()
        defer { client.shutdown() }

        let response = try await client.send(
            UpstreamRequest(
                method: "GET", url: server.baseURL + "/",
                headers: [HTTPHeader(name: "Accept-Encoding", value: "gzip")]
            ))

        #expect(response.status == 200)
        #expect(response.body == gzip)
        #expect(response.headers.contains(HTTPHeader(name: "Content-Encoding", value: "gzip")))
    }

    @Test("a 302 is returned as is, not followed")
    func redirectNotFollowed() async throws {
        let server = try TestServer(handler: { request, connection in
            if request.requestLine.hasPrefix("GET /start ") {
                connection.write("HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n")
            } else {
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nfollowed")
            }
            return true
        })
        defer { server.stop() }
        let client = try makeClient()
        defer { client.shutdown() }

        let response = try await client.send(UpstreamRequest(method: "GET", url: server.baseURL + "/start"))

        #expect(response.status == 302)
        #expect(response.headers.first == HTTPHeader(name: "Location", value: "/elsewhere"))
        #expect(response.body.isEmpty)
        #expect(server.requests.count == 1)
    }

    @Test("request line, headers and a 4 KiB or 2 MiB body arrive byte for byte, without Expect", arguments: [4096, 2 << 20])
    func requestArrivesExactly(bodySize: Int) async throws {
        let server = try TestServer(handler: answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        defer { server.stop() }
        let client = try makeClient()
        defer { client.shutdown() }
        let body = (0..<bodySize).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let headers = [
            HTTPHeader(name: "Content-Type", value: "application/json"),
            HTTPHeader(name: "X-Signature", value: "eyJhbGciOiJIUzI1NiJ9..c2ln"),
            HTTPHeader(name: "token", value: "abc=="),
            HTTPHeader(name: "X-Repeated", value: "one"),
            HTTPHeader(name: "X-Repeated", value: "two"),
            HTTPHeader(name: "X-Blank", value: ""),
            HTTPHeader(name: "User-Agent", value: "freedompay-sidecar/1"),
            HTTPHeader(name: "Accept", value: "application/json"),
        ]

        let response = try await client.send(
            UpstreamRequest(
                method: "POST", url: server.baseURL + "/v5/refund?order=1", headers: headers, body: body
            ))

        #expect(response.status == 200)
        let received = try #require(server.requests.first)
        #expect(received.requestLine == "POST /v5/refund?order=1 HTTP/1.1")
        #expect(received.body == body)
        #expect(received.headerValues("Expect").isEmpty)
        #expect(received.headerValues("Content-Length") == ["\(bodySize)"])
        #expect(received.headerValues("User-Agent") == ["freedompay-sidecar/1"])
        #expect(received.headerValues("Accept") == ["application/json"])
        #expect(received.headerValues("Content-Type") == ["application/json"])
        // The caller's fields, verbatim and in order (the client adds Host and Content-Length around them).
        let callerLines = received.headerLines.filter { line in
            !line.lowercased().hasPrefix("host:") && !line.lowercased().hasPrefix("content-length:")
        }
        #expect(
            callerLines == [
                "Content-Type: application/json",
                "X-Signature: eyJhbGciOiJIUzI1NiJ9..c2ln",
                "token: abc==",
                "X-Repeated: one",
                "X-Repeated: two",
                "X-Blank:",
                "User-Agent: freedompay-sidecar/1",
                "Accept: application/json",
            ])
    }

    @Test("the client adds no Accept, User-Agent or Content-Type of its own; framing fields are the client's")
    func noDefaultHeaders() async throws {
        let server = try TestServer(handler: answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        defer { server.stop() }
        let client = try makeClient()
        defer { client.shutdown() }

        _ = try await client.send(UpstreamRequest(method: "GET", url: server.baseURL + "/a"))
        _ = try await client.send(
            UpstreamRequest(
                method: "PUT", url: server.baseURL + "/b",
                headers: [HTTPHeader(name: "Content-Length", value: "999"), HTTPHeader(name: "Expect", value: "100-continue")],
                body: Array("xyz".utf8)
            ))

        let requests = server.requests
        try #require(requests.count == 2)
        #expect(requests[0].requestLine == "GET /a HTTP/1.1")
        #expect(requests[0].headerLines == ["Host: 127.0.0.1:\(server.port)"])
        #expect(requests[1].requestLine == "PUT /b HTTP/1.1")
        #expect(requests[1].headerLines == ["Host: 127.0.0.1:\(server.port)", "Content-Length: 3"])
        #expect(requests[1].body == Array("xyz".utf8))
    }

    @Test("three sequential requests reuse one TCP connection")
    func connectionReuse() async throws {
        let server = try TestServer(handler: answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
        defer { server.stop() }
        let client = try makeClient()
        defer { client.shutdown() }

        for index in 0..<3 {
            let response = try await client.send(UpstreamRequest(method: "POST", url: server.baseURL + "/\(index)", body: [1, 2, 3]))
            #expect(response.status == 200)
        }

        #expect(server.requests.count == 3)
        #expect(server.connectionCount == 1)
        #expect(server.requests.map(\.connection) == [0, 0, 0])
    }

    @Test("connection refused is .unreachable after exactly one retry")
    func connectionRefused() async throws {
        let refusing = try RefusingPort()
        let client = try makeClient()
        defer { client.shutdown() }

        let error = await sendExpectingError(client, UpstreamRequest(method: "POST", url: "http://127.0.0.1:\(refusing.port)/", body: [1]))

        guard case .unreachable = error else {
            Issue.record("expected .unreachable, got \(String(describing: error))")
            return
        }
        #expect(error?.kind == "unreachable")
        #expect(client.attemptCount == 2)
    }

    @Test("with retriesBeforeResponse 0, connection refused is a single attempt")
    func noRetryWhenDisabled() async throws {
        let refusing = try RefusingPort()
        let client = try makeClient { $0.retriesBeforeResponse = 0 }
        defer { client.shutdown() }

        let error = await sendExpectingError(client, UpstreamRequest(method: "GET", url: "http://127.0.0.1:\(refusing.port)/"))

        #expect(error?.kind == "unreachable")
        #expect(client.attemptCount == 1)
    }

    @Test("a reset before any response byte is retried once with the identical request")
    func resetBeforeResponseRetried() async throws {
        let server = try TestServer(handler: { _, connection in
            if connection.index == 0 {
                connection.reset()
                return false
            }
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone")
            return true
        })
        defer { server.stop() }
        let client = try makeClient()
        defer { client.shutdown() }
        let request = UpstreamRequest(
            method: "POST", url: server.baseURL + "/v5/refund",
            headers: [HTTPHeader(name: "X-Signature", value: "sig")], body: Array("{\"amount\":100}".utf8)
        )

        let response = try await client.send(request)

        #expect(response.status == 200)
        #expect(response.body == Array("done".utf8))
        #expect(response.attempts == 2)
        let requests = server.requests
        try #require(requests.count == 2)
        #expect(requests[0].head == requests[1].head)
        #expect(requests[0].body == requests[1].body)
        #expect(requests.map(\.connection) == [0, 1])
    }

    @Test("a reset after the status line is .brokenResponse and not retried")
    func resetAfterStatusLineNotRetried() async throws {
        let server = try TestServer(handler: { _, connection in
            connection.write("HTTP/1.1 200 OK\r\nContent-Ty")
            connection.reset()
            return false
        })
        defer { server.stop() }
        let client = try makeClient()
        defer { client.shutdown() }

        let error = await sendExpectingError(client, UpstreamRequest(method: "POST", url: server.baseURL + "/", body: [1]))

        #expect(error?.kind == "broken")
        #expect(client.attemptCount == 1)
        #expect(server.connectionCount == 1)
    }

    @Test("a TLS handshake failure (plain HTTP answer to https) is .tlsFailed with its own code and not retried")
    func tlsFailureUnreachable() async throws {
        let server = try TestServer(greeting: Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8))
        defer { server.stop() }
        let client = try makeClient()
        defer { client.shutdown() }

        let error = await sendExpectingError(client, UpstreamRequest(method: "POST", url: "https://127.0.0.1:\(server.port)/", body: [1]))

        guard case .tlsFailed(let code, let message) = error else {
            Issue.record("expected .tlsFailed, got \(String(describing: error))")
            return
        }
        #expect(code == "upstream_tls_version")
        #expect(message.contains("is it a TLS port?"))
        #expect(client.attemptCount == 1)
        #expect(server.connectionCount == 1)
    }

    @Test("a body cut off halfway is .brokenResponse, never a short success")
    func truncatedBody() async throws {
        let server = try TestServer(handler: { _, connection in
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + String(repeating: "x", count: 50))
            connection.close()
            return false
        })
        defer { server.stop() }
        let client = try makeClient()
        defer { client.shutdown() }

        let error = await sendExpectingError(client, UpstreamRequest(method: "GET", url: server.baseURL + "/"))

        guard case .brokenResponse = error else {
            Issue.record("expected .brokenResponse, got \(String(describing: error))")
            return
        }
        #expect(client.attemptCount == 1)
    }

    @Test("a server that never answers is .timedOut after one attempt")
    func totalTimeout() async throws {
        let server = try TestServer(handler: { _, connection in
            connection.gateWaitThenClose()
            return false
        })
        defer { server.stop() }
        let client = try makeClient { $0.totalTimeout = 0.5 }
        defer { client.shutdown() }

        let started = ContinuousClock.now
        let error = await sendExpectingError(client, UpstreamRequest(method: "POST", url: server.baseURL + "/", body: [1]))
        let elapsed = ContinuousClock.now - started

        guard case .timedOut = error else {
            Issue.record("expected .timedOut, got \(String(describing: error))")
            return
        }
        #expect(error?.kind == "timeout")
        #expect(elapsed >= .milliseconds(450))
        #expect(client.attemptCount == 1)
        await server.waitForRequests(1)
        #expect(server.connectionCount == 1)
    }

    @Test(
        "a body larger than maxResponseBytes is .brokenResponse; exactly the limit is fine",
        arguments: [(2048, false), (2048, true), (1024, false), (1024, true)])
    func responseTooLarge(size: Int, chunked: Bool) async throws {
        let body = String(repeating: "y", count: size)
        let raw =
            chunked
            ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "200\r\n\(body.prefix(512))\r\n" + "\(String(size - 512, radix: 16))\r\n\(body.dropFirst(512))\r\n0\r\n\r\n"
            : "HTTP/1.1 200 OK\r\nContent-Length: \(size)\r\n\r\n\(body)"
        let server = try TestServer(handler: answering(raw))
        defer { server.stop() }
        let client = try makeClient { $0.responseLimits.maxBodyBytes = 1024 }
        defer { client.shutdown() }

        let request = UpstreamRequest(method: "GET", url: server.baseURL + "/")
        if size > 1024 {
            let error = await sendExpectingError(client, request)
            guard case .brokenResponse = error else {
                Issue.record("expected .brokenResponse, got \(String(describing: error))")
                return
            }
            #expect(client.attemptCount == 1)
        } else {
            let response = try await client.send(request)
            #expect(response.body == Array(body.utf8))
        }
    }

    @Test("beyond maxConcurrentRequests + maxQueuedRequests, send throws .overloaded at once")
    func overloaded() async throws {
        let server = try TestServer(handler: { _, connection in
            connection.gateWaitThenAnswer()
            return true
        })
        defer { server.stop() }
        let client = try makeClient {
            $0.maxConcurrentRequests = 1
            $0.maxQueuedRequests = 0
        }
        defer { client.shutdown() }

        let first = Task { try await client.send(UpstreamRequest(method: "GET", url: server.baseURL + "/first")) }
        await server.waitForRequests(1)

        let error = await sendExpectingError(client, UpstreamRequest(method: "GET", url: server.baseURL + "/second"))
        #expect(error == .overloaded)
        #expect(error?.kind == "overloaded")

        server.gate.open()
        let response = try await first.value
        #expect(response.status == 200)
        #expect(server.requests.count == 1)
        #expect(client.attemptCount == 1)
    }

    @Test("queued transfers wait in FIFO order for a free slot; the queue is bounded")
    func queueing() async throws {
        let server = try TestServer(handler: { _, connection in
            connection.gateWaitThenAnswer()
            return true
        })
        defer { server.stop() }
        let loops = try EventLoopGroup(count: 1)
        let loop = loops.loops[0]
        var configuration = UpstreamClientConfiguration(connectTimeout: 5, totalTimeout: 10)
        configuration.maxConcurrentRequests = 1
        configuration.maxQueuedRequests = 2
        let client = try HTTPUpstreamClient(configuration: configuration, loops: loops)
        defer { client.shutdown() }

        let first = Task { try await client.send(UpstreamRequest(method: "GET", url: server.baseURL + "/1"), on: loop) }
        await server.waitForRequests(1)
        // Three more, submitted in one turn of the client's loop, so in this order: /2 and /3
        // fill the queue, /4 finds it full and fails with .overloaded.
        let outcomes = QueueOutcomes()
        loop.execute {
            for path in ["/2", "/3", "/4"] {
                client.send(UpstreamRequest(method: "GET", url: server.baseURL + path), on: loop) { result, _ in
                    outcomes.record(path, result)
                }
            }
            outcomes.queuedAfterSubmitting.withLock { $0 = client.queuedRequests }
        }
        await outcomes.fourthDone.wait()
        #expect(outcomes.result("/4").map { if case .failure(.overloaded) = $0 { true } else { false } } == true)
        // Only the running transfer reached the server; two wait in this client's queue.
        #expect(server.requests.count == 1)
        #expect(client.queuedRequests == 2)

        server.gate.open()
        #expect(try await first.value.status == 200)
        await outcomes.allDone.wait()
        #expect(outcomes.queuedAfterSubmitting.withLock { $0 } == 2)
        for path in ["/2", "/3"] {
            #expect((try? outcomes.result(path)?.get())?.status == 200, "\(path)")
        }
        #expect(server.requests.map(\.requestLine) == ["GET /1 HTTP/1.1", "GET /2 HTTP/1.1", "GET /3 HTTP/1.1"])
    }

    @Test("many concurrent requests each get their own response over a bounded pool")
    func concurrentRequestsMatchResponses() async throws {
        let server = try TestServer(handler: { request, connection in
            // Echo the request body back, so a mix-up between transfers shows.
            connection.write(Array("HTTP/1.1 200 OK\r\nContent-Length: \(request.body.count)\r\n\r\n".utf8) + request.body)
            return true
        })
        defer { server.stop() }
        let client = try makeClient { $0.maxConcurrentRequests = 4 }
        defer { client.shutdown() }

        let results = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for index in 0..<40 {
                group.addTask {
                    let body = Array("refund-\(index)".utf8)
                    let response = try await client.send(UpstreamRequest(method: "POST", url: server.baseURL + "/", body: body))
                    return (index, response.body)
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }

        #expect(results.count == 40)
        for (index, body) in results {
            #expect(body == Array("refund-\(index)".utf8))
        }
        #expect(server.connectionCount <= 4)
        #expect(client.attemptCount == 40)
    }

    @Test("after shutdown new requests fail")
    func shutdownStops() async throws {
        let server = try TestServer(handler: answering("HTTP/1.1 204 No Content\r\n\r\n"))
        defer { server.stop() }
        let client = try makeClient()

        #expect(try await client.send(UpstreamRequest(method: "DELETE", url: server.baseURL + "/x")).status == 204)
        client.shutdown()

        let error = await sendExpectingError(client, UpstreamRequest(method: "GET", url: server.baseURL + "/y"))
        #expect(error?.kind == "unreachable")
        #expect(server.requests.map(\.requestLine) == ["DELETE /x HTTP/1.1"])
    }

    @Test("malformed requests are refused before anything is sent")
    func invalidRequestsRefused() async throws {
        let server = try TestServer(handler: answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        defer { server.stop() }
        let client = try makeClient()
        defer { client.shutdown() }

        let bad = [
            UpstreamRequest(method: "GET", url: server.baseURL + "/", headers: [HTTPHeader(name: "X-A", value: "1\r\nX-Injected: 1")]),
            UpstreamRequest(method: "GET", url: server.baseURL + "/", headers: [HTTPHeader(name: "X A", value: "1")]),
            UpstreamRequest(method: "GET /x", url: server.baseURL + "/"),
            UpstreamRequest(method: "GET", url: "ftp://127.0.0.1:\(server.port)/"),
        ]
        for request in bad {
            let error = await sendExpectingError(client, request)
            #expect(error?.kind == "unreachable")
        }
        #expect(client.attemptCount == 0)
        #expect(server.connectionCount == 0)
    }
}

extension TestConnection {
    func gateWaitThenClose() {
        gate.wait()
        close()
    }

    func gateWaitThenAnswer() {
        gate.wait()
        write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    }
}

/// What the queued requests of `queueing` ended with; the latches open on the loop.
private final class QueueOutcomes: Sendable {
    private let results = Mutex<[String: Result<UpstreamResponse, UpstreamError>]>([:])
    let queuedAfterSubmitting = Mutex(-1)
    let fourthDone = Latch()
    let allDone = Latch()

    func record(_ path: String, _ result: Result<UpstreamResponse, UpstreamError>) {
        let count = results.withLock { results in
            results[path] = result
            return results.count
        }
        if path == "/4" { fourthDone.open() }
        if count == 3 { allDone.open() }
    }

    func result(_ path: String) -> Result<UpstreamResponse, UpstreamError>? { results.withLock { $0[path] } }
}
