import Foundation
import LoopbackTestSupport
import Testing

@testable import Sidecar

/// Every refund once (issue 11, part 2), end to end over loopback: 428 without a key, 400 for
/// both headers, 422 for a key reused on another operation, and the order of those checks.
@Suite(.timeLimit(.minutes(1))) struct IdempotencyTests {
    static let gatewayFull = SandboxLifecycleTests.routes

    /// A route with an action the sidecar does not know (`json-object`, unmarked) and one marked optional.
    static let customRoutes = RouteTable([
        .refund,
        Route(
            path: "/v5/custom", defaultAction: "custom.create",
            actions: [("custom.create", .jsonObject), ("custom.status", .jsonObject)], idempotencyMarks: ["custom.status": .optional]),
    ])

    func post(
        _ path: String = "/v5/g2g/edit", action: String? = nil, body: String = #"{"id":"\#(paymentID)","amount":100}"#,
        headers: String = "", expectContinue: Bool = false
    ) -> String {
        let actionHeader = action.map { "X-Action: \($0)\r\n" } ?? ""
        let expect = expectContinue ? "Expect: 100-continue\r\n" : ""
        let head =
            "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\(actionHeader)\(headers)\(expect)Content-Length: \(body.utf8.count)\r\n\r\n"
        return expectContinue ? head : head + body
    }

    func expectSidecarError(_ response: ReceivedResponse, _ status: Int, _ code: String, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        #expect(response.status == status, "\(response.bodyText)", sourceLocation: sourceLocation)
        #expect(response.header("X-Sidecar-Error") == code, sourceLocation: sourceLocation)
        let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: [String: String]]
        #expect(json?["error"]?["code"] == code, sourceLocation: sourceLocation)
    }

    @Test func moneyMovingActionsWithoutAKeyAre428AndForwardedNowhere() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream), configure: { $0.routes = Self.gatewayFull }) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                for (action, body) in [
                    (nil, #"{"id":"\#(paymentID)","amount":100}"#), ("gateway.payment.refund", #"{"id":"\#(paymentID)","amount":100}"#),
                    ("gateway.payment.reverse", #"{"id":"\#(paymentID)"}"#),
                    ("gateway.payment.clearing", #"{"id":"\#(paymentID)","amount":100}"#),
                ] {
                    try await client.send(post(action: action, body: body))
                    let response = try await client.readResponse()
                    try expectSidecarError(response, 428, "idempotency_key_required")
                    #expect(response.header("X-Request-Id") == nil, "no id was assigned")
                }
                #expect(fake.requests.isEmpty)

                // The reads are marked optional in the preset: a fresh UUIDv7, returned to the client.
                try await client.send(post("/v5/g2g/read", body: #"{"id":"\#(paymentID)"}"#))
                let read = try await client.readResponse()
                #expect(read.status == 200)
                let id = try #require(fake.requests.first?.header("X-Request-Id"))
                #expect(UUIDText.isValid(id) && Array(id)[14] == "7", "a generated id is a UUIDv7")
                try await client.send(post("/v5/g2g/read", action: "gateway.request.status", body: #"{"request_id":"\#(id)"}"#))
                #expect(try await client.readResponse().status == 200)
                #expect(fake.requests.count == 2)
            }
        }
    }

    @Test func anUnmarkedActionIsRequiredAndAMarkedOneIsOptional() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream), configure: { $0.routes = Self.customRoutes }) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                try await client.send(post("/v5/custom", body: #"{"amount":1}"#))
                try expectSidecarError(try await client.readResponse(), 428, "idempotency_key_required")
                try await client.send(post("/v5/custom", action: "custom.status", body: #"{"a":1}"#))
                #expect(try await client.readResponse().status == 200)
                try await client.send(post("/v5/custom", body: #"{"amount":1}"#, headers: "Idempotency-Key: create-1\r\n"))
                #expect(try await client.readResponse().status == 200)
                #expect(fake.requests.map { $0.header("X-Action") } == ["custom.status", "custom.create"])
            }
        }
    }

    @Test func bothHeadersAre400AndForwardedNowhere() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                try await client.send(
                    post(headers: "Idempotency-Key: order-42-refund-1\r\nX-Request-Id: 0197a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5b\r\n"))
                let response = try await client.readResponse()
                try expectSidecarError(response, 400, "invalid_request_id")
                #expect(response.bodyText.contains("not both"))
                #expect(fake.requests.isEmpty)
            }
        }
    }

    @Test func aKeyReusedForAnotherOperationIs422AndTheSameOperationReplays() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                let key = "Idempotency-Key: order-42-refund-1\r\n"
                try await client.send(post(body: #"{"id":"\#(paymentID)","amount":5}"#, headers: key))
                #expect(try await client.readResponse().status == 200)
                // The same refund as the schema reads it: other spacing, key order, amount notation, UUID case.
                let same = #"{ "amount" : 5.00, "id" : "\#(paymentID.uppercased())" }"#
                try await client.send(post(body: same, headers: key))
                #expect(try await client.readResponse().status == 200)
                #expect(fake.requests.count == 2)
                #expect(Set(fake.requests.map { $0.header("X-Request-Id") }).count == 1)

                // Another amount, another payment: 422, nothing forwarded.
                for body in [#"{"id":"\#(paymentID)","amount":7}"#, #"{"id":"01978d4f-1a2b-7c3d-8e4f-0000000000aa","amount":5}"#] {
                    try await client.send(post(body: body, headers: key))
                    let response = try await client.readResponse()
                    try expectSidecarError(response, 422, "idempotency_key_reused")
                    #expect(
                        response.header("X-Request-Id")
                            == UUIDText.version8(
                                merchantID: testMerchant, path: "/v5/g2g/edit", action: "gateway.payment.refund",
                                idempotencyKey: "order-42-refund-1"))
                }
                #expect(fake.requests.count == 2)

                // A client X-Request-Id names one operation too, whatever its hex case.
                let id = "0197a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5b"
                try await client.send(post(body: #"{"id":"\#(paymentID)","amount":5}"#, headers: "X-Request-Id: \(id)\r\n"))
                #expect(try await client.readResponse().status == 200)
                try await client.send(post(body: #"{"id":"\#(paymentID)","amount":6}"#, headers: "X-Request-Id: \(id.uppercased())\r\n"))
                try expectSidecarError(try await client.readResponse(), 422, "idempotency_key_reused")
                #expect(fake.requests.count == 3)
                let metrics = String(decoding: await sidecar.metrics.exposition(), as: UTF8.self)
                #expect(metrics.contains(#"status="422",source="sidecar",code="idempotency_key_reused"} 3"#))
            }
        }
    }

    @Test func aClientRequestIDReusedForAnotherActionIs422() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream), configure: { $0.routes = Self.gatewayFull }) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                let id = "X-Request-Id: 0197a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5c\r\n"
                try await client.send(post("/v5/g2g/read", body: #"{"id":"\#(paymentID)"}"#, headers: id))
                #expect(try await client.readResponse().status == 200)
                // A read's id reused for a reverse of the same payment: Freedom Pay would replay the read.
                try await client.send(post(action: "gateway.payment.reverse", body: #"{"id":"\#(paymentID)"}"#, headers: id))
                try expectSidecarError(try await client.readResponse(), 422, "idempotency_key_reused")
                #expect(fake.requests.count == 1)
            }
        }
    }

    @Test func aRefusedRequestWritesNothing() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                let key = "Idempotency-Key: order-43-refund-1\r\n"
                try await client.send(post(body: #"{"id":"\#(paymentID)","amount":0}"#, headers: key))
                try expectSidecarError(try await client.readResponse(), 400, "invalid_body")
                try await client.send(post(body: #"{"id":"\#(paymentID)","amount":9}"#, headers: key))
                #expect(try await client.readResponse().status == 200)
                #expect(fake.requests.count == 1)
            }
        }
    }

    @Test func checksRunInTheDocumentedOrder() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                let both = "Idempotency-Key: k\r\nX-Request-Id: 0197a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5b\r\n"
                let cases: [(String, Int, String)] = [
                    // 404 before 428; 405 before 428.
                    (post("/v5/nope"), 404, "unknown_route"),
                    ("GET /v5/g2g/edit HTTP/1.1\r\nHost: x\r\n\r\n", 405, "method_not_allowed"),
                    // 415 before 403 before 400 invalid_request_id before 428.
                    (
                        "POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nX-Action: gateway.payment.reverse\r\n\(both)Content-Length: 2\r\n\r\n{}",
                        415, "unsupported_media_type"
                    ),
                    (post(action: "gateway.payment.reverse", headers: both), 403, "action_not_allowed"),
                    (post(body: "{}", headers: both), 400, "invalid_request_id"),
                    // 428 before 400 invalid_body.
                    (post(body: "not json"), 428, "idempotency_key_required"),
                    // 400 invalid_body before 422 (the key is unused, then used, then reused with a bad body).
                    (post(headers: "Idempotency-Key: order-44\r\n"), 200, ""),
                    (post(body: #"{"id":"\#(paymentID)","amount":-1}"#, headers: "Idempotency-Key: order-44\r\n"), 400, "invalid_body"),
                    (
                        post(body: #"{"id":"\#(paymentID)","amount":1}"#, headers: "Idempotency-Key: order-44\r\n"), 422,
                        "idempotency_key_reused"
                    ),
                ]
                for (request, status, code) in cases {
                    try await client.send(request)
                    let response = try await client.readResponse()
                    #expect(response.status == status, "\(request.prefix(40)): \(response.bodyText)")
                    #expect(response.header("X-Sidecar-Error") == (code.isEmpty ? nil : code))
                }
                #expect(fake.requests.count == 1)
            }
        }
    }

    /// The pairs of the README's order that `checksRunInTheDocumentedOrder` does not reach:
    /// each request fails two adjacent checks, and the earlier one answers. A fresh connection
    /// per case, since some of these answers close it.
    @Test func theOtherAdjacentChecksRunInTheDocumentedOrder() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                let cases: [(String, Int, String)] = [
                    // Limits before 404: an over-long body on an unknown path.
                    (
                        "POST /v5/nope HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 70000\r\n\r\n", 413,
                        "body_too_large"
                    ),
                    // A query string before 404.
                    ("POST /v5/nope?a=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 400, "invalid_request"),
                    // 404 before 405.
                    ("GET /v5/nope HTTP/1.1\r\nHost: x\r\n\r\n", 404, "unknown_route"),
                    // 405 before Host.
                    ("GET /v5/g2g/edit HTTP/1.1\r\n\r\n", 405, "method_not_allowed"),
                    // Host before 411.
                    ("POST /v5/g2g/edit HTTP/1.1\r\nContent-Type: text/plain\r\n\r\n", 400, "invalid_request"),
                    // 411 before 415.
                    ("POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n\r\n", 411, "length_required"),
                    // A repeated X-Action before 403 (neither is allowed on the default route).
                    (post(headers: "X-Action: gateway.payment.reverse\r\nX-Action: gateway.payment.reverse\r\n"), 400, "invalid_request"),
                ]
                for (request, status, code) in cases {
                    let client = try LoopbackClient(sidecar.address)
                    try await client.send(request)
                    let response = try await client.readResponse()
                    #expect(response.status == status, "\(request.prefix(40)): \(response.bodyText)")
                    #expect(response.header("X-Sidecar-Error") == code)
                }
                #expect(fake.requests.isEmpty)
            }
        }
    }

    /// A body over `maxBufferedBodyBytes` is refused when its head arrives, before routing:
    /// 503 `overloaded` comes before 404 (and so before every later check), after 413.
    @Test func theBodyBudgetIsCheckedBeforeTheRoute() async throws {
        let smallBudget: (inout SidecarConfiguration) -> Void = { $0.maxBufferedBodyBytes = 16 }
        try await withSidecar(upstream: "sandbox", configure: smallBudget) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send(
                "POST /v5/nope HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 40\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 503)
            #expect(response.header("X-Sidecar-Error") == "overloaded")
            // A body over maxBodyBytes is a 413 before the budget is consulted.
            let large = try LoopbackClient(sidecar.address)
            try await large.send(
                "POST /v5/nope HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 70000\r\n\r\n"
            )
            let tooLarge = try await large.readResponse()
            #expect(tooLarge.status == 413)
            #expect(tooLarge.header("X-Sidecar-Error") == "body_too_large")
        }
    }

    /// RFC 9110 §10.1.1: 428 comes from the head alone, instead of `100 Continue`, so the
    /// body is never sent; the connection then closes.
    @Test func a428IsAnsweredBefore100Continue() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                try await client.send(post(expectContinue: true))
                let response = try await client.readResponse()
                try expectSidecarError(response, 428, "idempotency_key_required")
                #expect(response.header("Connection") == "close")
                #expect(try await client.isClosedByPeer())

                // With a key, the same head gets 100 Continue and the refund goes through.
                let keyed = try LoopbackClient(sidecar.address)
                try await keyed.send(post(headers: "Idempotency-Key: order-45\r\n", expectContinue: true))
                #expect(try await keyed.readResponse().status == 100)
                try await keyed.send(#"{"id":"\#(paymentID)","amount":100}"#)
                #expect(try await keyed.readResponse().status == 200)
                #expect(fake.requests.count == 1)
            }
        }
    }
}
