import Foundation
import HTTP1
import LoopbackTestSupport
import SocketLoop
import Testing

@testable import Sidecar

/// Runs `body` with a sidecar whose upstream is `https://127.0.0.1:port` and which trusts
/// `caBundlePath`, then shuts it down (`withSidecar`). One event loop, so that every refund
/// goes through one upstream pool, and one upstream connection at most, so that a slot a
/// failure did not give back would make the next refund wait for the (short) upstream timeout.
private func withTLSSidecar<Result>(
    upstreamPort: UInt16, caBundlePath: String, pins: String? = nil, logs: LogCapture = LogCapture(),
    isolation: isolated (any Actor)? = #isolation, _ body: (Sidecar) async throws -> Result
) async throws -> Result {
    let configure: (inout SidecarConfiguration) -> Void = {
        $0.caBundlePath = caBundlePath
        $0.pinnedPublicKey = pins
        $0.eventLoops = 1
        $0.maxConcurrentUpstream = 1
        $0.upstreamTimeout = 5
    }
    return try await withSidecar(upstream: "https://127.0.0.1:\(upstreamPort)", logs: logs, configure: configure) { try await body($0) }
}

/// What Freedom Pay answers to a refund, near enough.
private let freedomPayAnswer = HTTPResponse(
    status: 200,
    headers: [
        HTTPHeader(name: "x-request-status", value: "success"),
        HTTPHeader(name: "x-datetime", value: "2025-06-20T07:13:31Z"),
        HTTPHeader(name: "Content-Type", value: "application/json"),
    ],
    body: Array(
        #"{"id":"\#(paymentID)","amount":100,"refund_payment":{"id":"01978d53-0000-7000-8000-000000000000","status":"process","amount":-100}}"#
            .utf8))

private func get(_ path: String, from address: ListenAddress) async throws -> ReceivedResponse {
    let client = try LoopbackClient(address)
    try await client.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
    return try await client.readResponse()
}

/// Whether the X-JWS-Signature of what the server received verifies with the test secret,
/// checked independently of FreedomPayJWS.
private func signatureIsValid(_ request: TLSReceivedRequest) -> Bool {
    FakeFreedomPay(secret: testSecret, merchantID: testMerchant)
        .verify(method: request.method, target: request.target, headers: request.headers, body: request.body)
}

/// The `{"error":{"code":…,"message":…}}` body of a sidecar error.
private func errorBody(_ response: ReceivedResponse) throws -> (code: String?, message: String?) {
    let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
    let error = object?["error"] as? [String: Any]
    return (error?["code"] as? String, error?["message"] as? String)
}

/// Refunds through the real sidecar and its HTTP client to a loopback HTTPS server.
@Suite("Refunds over TLS to the upstream", .timeLimit(.minutes(1)))
struct UpstreamTLSTests {
    @Test("a server trusted through the CA bundle gets the signed refund; its answer passes through")
    func trustedThroughCABundle() async throws {
        let logs = LogCapture()
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki.valid) { server in
                server.response = freedomPayAnswer
                try await withTLSSidecar(upstreamPort: server.port, caBundlePath: pki.caBundlePath, logs: logs) {
                    sidecar in
                    let client = try LoopbackClient(sidecar.address)
                    let body = #"{"id":"\#(paymentID)", "amount": 100}"#
                    try await client.send(refundRequest(body: body))
                    let response = try await client.readResponse()

                    #expect(response.status == 200)
                    #expect(response.header("X-Sidecar-Error") == nil)
                    #expect(response.header("x-request-status") == "success")
                    #expect(response.header("x-datetime") == "2025-06-20T07:13:31Z")
                    #expect(response.header("Content-Type") == "application/json")
                    #expect(response.body == freedomPayAnswer.body)

                    let forwarded = try #require(server.requests.first)
                    #expect(server.requests.count == 1)
                    #expect(forwarded.method == "POST")
                    #expect(forwarded.target == "/v5/g2g/edit")
                    #expect(forwarded.body == Array(body.utf8), "the body is forwarded byte for byte")
                    #expect(forwarded.headers.first(named: "Host") == "127.0.0.1:\(server.port)")
                    #expect(forwarded.headers.first(named: "X-Action") == "gateway.payment.refund")
                    #expect(forwarded.headers.values(named: "X-JWS-Signature").count == 1)
                    #expect(signatureIsValid(forwarded))
                    let id = try #require(forwarded.headers.first(named: "X-Request-Id"))
                    #expect(UUIDText.isValid(id))
                    #expect(response.headers.values(named: "X-Request-Id") == [id])
                }
            }
        }
        #expect(!logs.all.isEmpty)
        #expect(logs.all.allSatisfy { !$0.contains(testSecret) })
    }

    @Test(
        "a verification failure is a 502 with its own code; the sidecar keeps serving and recovers once the server is valid",
        arguments: UpstreamTLSFailureCase.all)
    func verificationFailure(_ failure: UpstreamTLSFailureCase) async throws {
        let logs = LogCapture()
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki[keyPath: failure.identity], maximumVersion: failure.maximumVersion) {
                server in
                server.response = freedomPayAnswer
                try await withTLSSidecar(
                    upstreamPort: server.port, caBundlePath: failure.caBundlePath(pki), pins: failure.pins(pki), logs: logs
                ) { sidecar in
                    let client = try LoopbackClient(sidecar.address)
                    // Twice over one client connection: the sidecar answers each failure and
                    // keeps the client's connection.
                    for _ in 1...2 {
                        try await client.send(refundRequest())
                        let response = try await client.readResponse()
                        #expect(response.status == 502)
                        #expect(response.header("X-Sidecar-Error") == failure.code)
                        #expect(response.header("Content-Type") == "application/json")
                        #expect(response.header("X-Request-Id") != nil)
                        let error = try errorBody(response)
                        #expect(error.code == failure.code)
                        #expect(error.message?.hasPrefix("upstream TLS failed: ") == true, "\(error.message ?? "")")
                        #expect(error.message?.contains(failure.cause) == true, "\(error.message ?? "")")
                    }
                    #expect(try await get("/healthz", from: sidecar.adminAddress).status == 200)
                    #expect(server.connectionCount == 2, "one handshake per refund: no retry")
                    #expect(server.requests.isEmpty, "nothing is sent over an unverified connection")

                    // The same upstream address now presents the valid certificate (and key).
                    try server.present(pki.valid)
                    try await client.send(refundRequest())
                    let response = try await client.readResponse()
                    #expect(response.status == 200)
                    #expect(response.body == freedomPayAnswer.body)
                    #expect(server.requests.count == 1)
                    #expect(server.requests.first.map(signatureIsValid) == true)
                }
            }
        }

        let requestLines = try logs.objects().filter { $0["message"] as? String == "request" }
        #expect(requestLines.map { $0["status"] as? Int } == [502, 502, 200])
        #expect(requestLines.map { $0["error"] as? String } == [failure.code, failure.code, nil])
        #expect(requestLines.map { $0["upstream_attempts"] as? Int } == [1, 1, 1])
        #expect(logs.all.allSatisfy { !$0.contains(testSecret) })
    }

    @Test("a server whose key matches the pin gets the refund")
    func matchingPin() async throws {
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki.valid) { server in
                server.response = freedomPayAnswer
                try await withTLSSidecar(upstreamPort: server.port, caBundlePath: pki.caBundlePath, pins: pki.validPin) {
                    sidecar in
                    let client = try LoopbackClient(sidecar.address)
                    try await client.send(refundRequest())
                    let response = try await client.readResponse()
                    #expect(response.status == 200)
                    #expect(response.header("X-Sidecar-Error") == nil)
                    #expect(response.body == freedomPayAnswer.body)
                    #expect(server.requests.count == 1)
                }
            }
        }
    }

    @Test("refunds from one and then another client share one upstream TLS connection and handshake")
    func upstreamKeepAlive() async throws {
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki.valid) { server in
                server.response = freedomPayAnswer
                try await withTLSSidecar(upstreamPort: server.port, caBundlePath: pki.caBundlePath) { sidecar in
                    let first = try LoopbackClient(sidecar.address)
                    for _ in 1...3 {
                        try await first.send(refundRequest())
                        #expect(try await first.readResponse().status == 200)
                    }
                    let second = try LoopbackClient(sidecar.address)
                    try await second.send(refundRequest())
                    #expect(try await second.readResponse().status == 200)

                    #expect(server.connectionCount == 1)
                    #expect(server.handshakeCount == 1)
                    #expect(server.requests.map(\.connection) == [0, 0, 0, 0])
                    let ids = server.requests.compactMap { $0.headers.first(named: "X-Request-Id") }
                    #expect(Set(ids).count == 4, "each refund has its own request id")
                    #expect(server.requests.allSatisfy(signatureIsValid))
                }
            }
        }
    }
}
