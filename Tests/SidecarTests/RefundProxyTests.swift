import Foundation
import HTTP1
import LoopbackTestSupport
import Testing

@testable import Sidecar

/// The refund path end to end over loopback sockets: client → sidecar → upstream client → fake Freedom Pay.
@Suite(.timeLimit(.minutes(1))) struct RefundProxyTests {
    @Test func refundIsSignedForwardedAndAnsweredUnchanged() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                let body = #"{"id":"\#(paymentID)", "amount": 100}"#
                try await client.send(
                    refundRequest(
                        body: body, idempotencyKey: "order-42-refund-1",
                        extraHeaders:
                            "Authorization: Bearer app\r\nCookie: a=b\r\nX-JWS-Signature: forged\r\nX-Custom: 1\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nAccept-Language: kk\r\n"
                    ))
                let response = try await client.readResponse()

                #expect(response.status == 200)
                #expect(response.header("x-request-status") == "success")
                #expect(response.header("x-datetime") == "2025-06-20T07:13:31Z")
                #expect(response.header("Content-Type") == "application/json")
                #expect(response.header("X-Sidecar-Error") == nil)
                #expect(response.body == Array(FakeFreedomPay.refundAnswer.utf8), "the upstream's body, byte for byte")

                let forwarded = try #require(fake.requests.first)
                #expect(fake.requests.count == 1)
                #expect(forwarded.signatureValid)
                #expect(forwarded.method == "POST")
                #expect(forwarded.target == "/v5/g2g/edit")
                #expect(forwarded.body == Array(body.utf8), "the body is forwarded byte for byte, never re-serialized")
                #expect(forwarded.header("X-Action") == "gateway.payment.refund")
                #expect(forwarded.header("Content-Type") == "application/json")
                #expect(forwarded.header("Accept") == "application/json")
                #expect(forwarded.header("User-Agent")?.hasPrefix("freedompay-sidecar/") == true)
                #expect(forwarded.header("traceparent") == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                #expect(forwarded.header("Accept-Language") == "kk")
                for name in ["Authorization", "Cookie", "X-Custom", "Expect"] {
                    #expect(forwarded.header(name) == nil, "\(name) must not be forwarded")
                }
                #expect(forwarded.headers.values(named: "X-JWS-Signature").count == 1)
                #expect(forwarded.header("Host") == "\(upstream.address)")

                let id = try #require(forwarded.header("X-Request-Id"))
                #expect(
                    id
                        == UUIDText.version8(
                            merchantID: testMerchant, path: "/v5/g2g/edit", action: "gateway.payment.refund",
                            idempotencyKey: "order-42-refund-1"))
                #expect(response.headers.values(named: "x-request-id") == [id])
            }
        }
    }

    /// The same path against an upstream that shares no code with the sidecar: `TestServer`
    /// reads requests with its own code (no HTTP1 parser) and `IndependentJWS` checks the
    /// signature (no FreedomPayJWS code), so a framing or signing bug cannot cancel out.
    @Test func refundsReachAnUpstreamReadingHTTPWithoutTheProjectsParserSignedAsDocumented() async throws {
        let server = try TestServer { _, connection in
            connection.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            return true
        }
        defer { server.stop() }
        try await withSidecar(upstream: server.baseURL) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            let body = #"{"id":"\#(paymentID)", "amount": 100}"#
            try await client.send(
                refundRequest(body: body, idempotencyKey: nil, extraHeaders: "X-Request-Id: 00000000-0000-4000-8000-0000000000ab\r\n"))
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.body == Array("{}".utf8))
            // The same body again, chunked: forwarded de-chunked, with a Content-Length.
            try await client.send(
                "POST /v5/g2g/edit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nIdempotency-Key: chunked-1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\n\(body.prefix(5))\r\n\(String(body.utf8.count - 5, radix: 16))\r\n\(body.dropFirst(5))\r\n0\r\n\r\n")
            #expect(try await client.readResponse().status == 200)

            let forwarded = server.requests
            try #require(forwarded.count == 2)
            let signedHeader = #"{"uri":"/v5/g2g/edit","auth_id":"123456","method":"POST","params":"","alg":"HS256"}"#
            for request in forwarded {
                #expect(request.requestLine == "POST /v5/g2g/edit HTTP/1.1")
                #expect(request.body == Array(body.utf8), "the body byte for byte")
                #expect(request.headerValues("Content-Length") == ["\(body.utf8.count)"])
                #expect(request.headerValues("Transfer-Encoding").isEmpty)
                #expect(request.headerValues("X-Action") == ["gateway.payment.refund"])
                #expect(request.headerValues("Host") == ["127.0.0.1:\(server.port)"])
                let signature = try #require(request.headerValues("X-JWS-Signature").first)
                #expect(request.headerValues("X-JWS-Signature").count == 1)
                #expect(IndependentJWS.verifiedHeader(signature, body: request.body, secret: testSecret) == signedHeader)
            }
            #expect(forwarded[0].headerValues("X-Request-Id") == ["00000000-0000-4000-8000-0000000000ab"])
        }
    }

    @Test func keepAliveAndPipelinedRefundsAreAnsweredInOrder() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                let ids = (1...3).map { "00000000-0000-4000-8000-00000000000\($0)" }
                try await client.send(ids.map { refundRequest(idempotencyKey: nil, extraHeaders: "X-Request-Id: \($0)\r\n") }.joined())
                for id in ids {
                    let response = try await client.readResponse()
                    #expect(response.status == 200)
                    #expect(response.header("x-request-id") == id)
                }
                try await client.send(refundRequest(idempotencyKey: nil, extraHeaders: "X-Request-Id: \(ids[0])\r\n"))
                #expect(try await client.readResponse().status == 200)
                #expect(fake.requests.map { $0.header("X-Request-Id") } == ids + [ids[0]])
                #expect(fake.requests.allSatisfy { $0.signatureValid })
            }
        }
    }

    @Test func chunkedRefundIsForwardedDechunkedAndSignedOverTheBytes() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                let part1 = #"{"id":"\#(paymentID)","#
                let part2 = #""amount":250}"#
                try await client.send(
                    "POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: chunked-1\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + String(part1.utf8.count, radix: 16) + "\r\n" + part1 + "\r\n" + String(part2.utf8.count, radix: 16) + "\r\n"
                        + part2 + "\r\n0\r\n\r\n")
                #expect(try await client.readResponse().status == 200)
                let forwarded = try #require(fake.requests.first)
                #expect(forwarded.body == Array((part1 + part2).utf8))
                #expect(forwarded.header("Content-Length") == String((part1 + part2).utf8.count))
                #expect(forwarded.signatureValid)
            }
        }
    }

    @Test func expectContinueRefundLikeCurlSendsForLargeBodies() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                // Padded with JSON whitespace: the refund schema is closed, so an extra field would be a 400.
                let body = #"{"id":"\#(paymentID)","amount":100\#(String(repeating: " ", count: 2000))}"#
                try await client.send(
                    "POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: continue-1\r\nContent-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n\r\n"
                )
                #expect(try await client.readResponse().status == 100)
                #expect(fake.requests.isEmpty)
                try await client.send(body)
                #expect(try await client.readResponse().status == 200)
                #expect(fake.requests.first?.body == Array(body.utf8))
                #expect(fake.requests.first?.header("Expect") == nil)
            }
        }
    }

    @Test func clientRequestIDIsUsedAsIs() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                let id = "0197A0B1-C2D3-7E4F-8A9B-0C1D2E3F4A5B"
                try await client.send(refundRequest(idempotencyKey: nil, extraHeaders: "X-Request-Id: \(id)\r\n"))
                #expect(try await client.readResponse().status == 200)
                #expect(fake.requests.first?.header("X-Request-Id") == id)
            }
        }
    }

    @Test func idempotencyKeyMapsToTheSameRequestIDOnEveryInstance() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream)) { first in
                try await withSidecar(upstream: upstreamURL(upstream)) { second in
                    for sidecar in [first, second, first] {
                        let client = try LoopbackClient(sidecar.address)
                        try await client.send(refundRequest(idempotencyKey: "order-42-refund-1"))
                        #expect(try await client.readResponse().status == 200)
                    }
                    let ids = fake.requests.compactMap { $0.header("X-Request-Id") }
                    #expect(ids.count == 3)
                    #expect(Set(ids).count == 1)
                    // Computed by Python, as RequestIDPolicyTests.idempotencyKeyKnownAnswer.
                    #expect(ids[0] == "e7db294e-e43f-81ff-96f2-e4e794810fb6")
                }
            }
        }
    }

    @Test func upstreamErrorsPassThroughUnchanged() async throws {
        try await withFakeFreedomPay { upstream, fake in
            fake.reply.withLock {
                $0 = HTTPResponse(
                    status: 409,
                    headers: [
                        HTTPHeader(name: "Set-Cookie", value: "a=1"),
                        HTTPHeader(name: "Set-Cookie", value: "b=2"),
                        HTTPHeader(name: "x-request-status", value: "error"),
                        HTTPHeader(name: "Keep-Alive", value: "timeout=5"),
                        HTTPHeader(name: "Content-Type", value: "application/json"),
                    ], body: Array(#"{"code":"payment_not_found","message":"no such payment"}"#.utf8))
            }
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                try await client.send(refundRequest())
                let response = try await client.readResponse()
                #expect(response.status == 409)
                #expect(response.bodyText == #"{"code":"payment_not_found","message":"no such payment"}"#)
                #expect(response.headers.values(named: "Set-Cookie") == ["a=1", "b=2"])
                #expect(response.header("Keep-Alive") == nil, "hop-by-hop fields are removed")
                #expect(response.header("X-Sidecar-Error") == nil)
                #expect(fake.requests.count == 1, "an answer with a status is never retried")
            }
        }
    }

    @Test func unreachableUpstreamIs502WithTheRequestID() async throws {
        let refusing = try RefusingPort()
        try await withSidecar(upstream: "http://127.0.0.1:\(refusing.port)") { sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send(
                refundRequest(idempotencyKey: nil, extraHeaders: "X-Request-Id: 00000000-0000-4000-8000-000000000009\r\n"))
            let response = try await client.readResponse()
            #expect(response.status == 502)
            #expect(response.header("X-Sidecar-Error") == "upstream_unreachable")
            #expect(response.header("X-Request-Id") == "00000000-0000-4000-8000-000000000009")
            let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: [String: String]]
            #expect(json?["error"]?["code"] == "upstream_unreachable")
            let metrics = String(decoding: await sidecar.metrics.exposition(), as: UTF8.self)
            #expect(metrics.contains(#"freedompay_sidecar_upstream_errors_total{kind="unreachable"} 1"#))
            #expect(
                metrics.contains(
                    #"freedompay_sidecar_requests_total{route="/v5/g2g/edit",action="gateway.payment.refund",status="502",source="sidecar",code="upstream_unreachable"} 1"#
                )
            )
            // Refused twice (the first attempt and its one retry): both attempts are counted.
            #expect(metrics.contains("freedompay_sidecar_upstream_attempts_total 2"))
            #expect(metrics.contains("freedompay_sidecar_upstream_retries_total 1"))
        }
    }

    @Test func slowUpstreamIs504() async throws {
        try await withFakeFreedomPay { upstream, fake in
            fake.holdRequests.withLock { $0 = true }
            defer { fake.release.open() }
            try await withSidecar(upstream: upstreamURL(upstream), configure: { $0.upstreamTimeout = 1 }) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                try await client.send(refundRequest())
                let response = try await client.readResponse()
                #expect(response.status == 504)
                #expect(response.header("X-Sidecar-Error") == "upstream_timeout")
                // The sidecar's own count, final once the 504 is written: on a loaded machine the
                // fake may see the request only after the timeout, or not at all.
                let metrics = String(decoding: await sidecar.metrics.exposition(), as: UTF8.self)
                #expect(metrics.contains("\nfreedompay_sidecar_upstream_attempts_total 1\n"), "a timeout is not retried")
                #expect(metrics.contains("\nfreedompay_sidecar_upstream_retries_total 0\n"))
                #expect(fake.requests.count <= 1)
            }
        }
    }

    @Test func truncatedUpstreamResponseIs502NotAShort200() async throws {
        let raw = try TestServer { _, connection in
            connection.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":")
            return false
        }
        defer { raw.stop() }
        try await withSidecar(upstream: raw.baseURL) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send(refundRequest())
            let response = try await client.readResponse()
            #expect(response.status == 502)
            #expect(response.header("X-Sidecar-Error") == "upstream_bad_response")
        }
    }
}
