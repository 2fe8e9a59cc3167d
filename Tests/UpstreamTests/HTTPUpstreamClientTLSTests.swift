import HTTP1
import LoopbackTestSupport
import SocketLoop
import Testing
import Upstream

/// Runs `body` with an `HTTPUpstreamClient` on its own single event loop (so that one pool
/// serves every request) that trusts `caBundlePath`, then shuts the client down.
private func withTLSClient<Result>(
    caBundlePath: String, pins: String? = nil, isolation: isolated (any Actor)? = #isolation,
    configure: (inout UpstreamClientConfiguration) -> Void = { _ in },
    _ body: (HTTPUpstreamClient) async throws -> Result
) async throws -> Result {
    var configuration = UpstreamClientConfiguration(
        connectTimeout: 5, totalTimeout: 5, caBundlePath: caBundlePath, pinnedPublicKey: pins)
    configure(&configuration)
    let client = try HTTPUpstreamClient(configuration: configuration, loops: EventLoopGroup(count: 1))
    defer { client.shutdown() }
    return try await body(client)
}

/// The error `send` threw, or nil if it succeeded.
private func sendExpectingError(_ client: HTTPUpstreamClient, _ request: UpstreamRequest) async -> UpstreamError? {
    do {
        _ = try await client.send(request)
        return nil
    } catch {
        return error
    }
}

private let refundBody = Array(#"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100}"#.utf8)

/// What Freedom Pay answers to a refund, near enough.
private let freedomPayAnswer = HTTPResponse(
    status: 200,
    headers: [
        HTTPHeader(name: "x-request-status", value: "success"),
        HTTPHeader(name: "Content-Type", value: "application/json"),
    ],
    body: Array(#"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","refund_payment":{"status":"process","amount":-100}}"#.utf8))

private func refund(port: UInt16, requestID: String = "00000000-0000-4000-8000-000000000001") -> UpstreamRequest {
    UpstreamRequest(
        method: "POST", url: "https://127.0.0.1:\(port)/v5/g2g/edit",
        headers: [
            HTTPHeader(name: "Content-Type", value: "application/json"),
            HTTPHeader(name: "X-Action", value: "gateway.payment.refund"),
            HTTPHeader(name: "X-Request-Id", value: requestID),
        ],
        body: refundBody)
}

@Suite("HTTPUpstreamClient over TLS to a loopback server", .timeLimit(.minutes(1)))
struct HTTPUpstreamClientTLSTests {
    @Test("a server whose chain leads to the CA bundle answers; request and answer pass byte for byte")
    func trustedServer() async throws {
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki.valid) { server in
                server.response = freedomPayAnswer
                try await withTLSClient(caBundlePath: pki.caBundlePath) { client in
                    let response = try await client.send(refund(port: server.port))

                    #expect(response.status == 200)
                    #expect(response.headers.first(named: "x-request-status") == "success")
                    #expect(response.headers.first(named: "Content-Type") == "application/json")
                    #expect(response.body == freedomPayAnswer.body)
                    #expect(response.attempts == 1)
                    let received = try #require(server.requests.first)
                    #expect(server.requests.count == 1)
                    #expect(received.method == "POST")
                    #expect(received.target == "/v5/g2g/edit")
                    #expect(received.body == refundBody)
                    #expect(received.headers.first(named: "Host") == "127.0.0.1:\(server.port)")
                    #expect(received.headers.first(named: "X-Action") == "gateway.payment.refund")
                    #expect(received.headers.first(named: "X-Request-Id") == "00000000-0000-4000-8000-000000000001")
                    #expect(received.headers.first(named: "Content-Length") == String(refundBody.count))
                    #expect(server.handshakeCount == 1)
                    #expect(client.attemptCount == 1)
                }
            }
        }
    }

    @Test(
        "a verification failure is .tlsFailed with its own code, is not retried, and leaves the client usable",
        arguments: UpstreamTLSFailureCase.all)
    func verificationFailure(_ failure: UpstreamTLSFailureCase) async throws {
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki[keyPath: failure.identity], maximumVersion: failure.maximumVersion) {
                server in
                // One connection at most: a slot the failure failed to give back would make
                // the request after it wait until the total timeout.
                try await withTLSClient(
                    caBundlePath: failure.caBundlePath(pki), pins: failure.pins(pki),
                    configure: { $0.maxConcurrentRequests = 1 }
                ) { client in
                    let error = await sendExpectingError(client, refund(port: server.port))

                    guard case .tlsFailed(let code, let message) = error else {
                        Issue.record("expected .tlsFailed, got \(String(describing: error))")
                        return
                    }
                    #expect(code == failure.code)
                    #expect(message.contains(failure.cause), "\(message)")
                    #expect(error?.kind == "tls")
                    #expect(client.attemptCount == 1, "verification failures are not retried")
                    #expect(server.connectionCount == 1)
                    #expect(server.requests.isEmpty, "nothing is sent over an unverified connection")

                    // The same host and port, now presenting the valid certificate (and key).
                    try server.present(pki.valid)
                    let response = try await client.send(refund(port: server.port))
                    #expect(response.status == 200)
                    #expect(response.attempts == 1)
                    #expect(client.attemptCount == 2)
                    #expect(server.requests.map(\.body) == [refundBody])
                }
            }
        }
    }

    @Test("a server whose key matches one of several pins answers")
    func matchingPin() async throws {
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki.valid) { server in
                try await withTLSClient(caBundlePath: pki.caBundlePath, pins: "\(pki.untrustedPin);\(pki.validPin)") {
                    client in
                    let response = try await client.send(refund(port: server.port))
                    #expect(response.status == 200)
                    #expect(server.requests.count == 1)
                }
            }
        }
    }

    @Test("sequential requests reuse one TLS connection: one TCP connection, one handshake")
    func keepAlive() async throws {
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki.valid) { server in
                server.response = freedomPayAnswer
                try await withTLSClient(caBundlePath: pki.caBundlePath) { client in
                    for index in 1...3 {
                        let response = try await client.send(
                            refund(port: server.port, requestID: "00000000-0000-4000-8000-00000000000\(index)"))
                        #expect(response.status == 200)
                        #expect(response.body == freedomPayAnswer.body)
                    }
                    #expect(server.connectionCount == 1)
                    #expect(server.handshakeCount == 1)
                    #expect(server.requests.map(\.connection) == [0, 0, 0])
                    #expect(
                        server.requests.map { $0.headers.first(named: "X-Request-Id") } == [
                            "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002",
                            "00000000-0000-4000-8000-000000000003",
                        ])
                    #expect(client.attemptCount == 3)
                }
            }
        }
    }

    @Test(
        "after the idle timeout closed the connection, the next one resumes the TLS session (also with a pin set)",
        arguments: [TLSTestServer.ProtocolVersion.tls12, .tls13])
    func idleCloseThenResumption(version: TLSTestServer.ProtocolVersion) async throws {
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki.valid, maximumVersion: version) { server in
                try await withTLSClient(
                    caBundlePath: pki.caBundlePath, pins: pki.validPin, configure: { $0.idleTimeout = 0.05 }
                ) { client in
                    let first = try await client.send(refund(port: server.port))
                    #expect(first.status == 200)
                    // The client's idle timer closes the connection with a close_notify, upon
                    // which the server's connection ends.
                    await server.waitUntilNoConnectionIsOpen()
                    let second = try await client.send(refund(port: server.port))
                    #expect(second.status == 200)

                    #expect(server.connectionCount == 2)
                    #expect(server.requests.map(\.connection) == [0, 1])
                    #expect(server.handshakeCount == 2)
                    #expect(server.resumedHandshakeCount == 1)
                    #expect(client.attemptCount == 2)
                }
            }
        }
    }
}
