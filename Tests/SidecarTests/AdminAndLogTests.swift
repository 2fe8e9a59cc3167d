import Foundation
import FreedomPayJWS
import LoopbackTestSupport
import Testing

@testable import Sidecar

@Suite(.timeLimit(.minutes(1))) struct AdminAndLogTests {
    func get(_ path: String, from sidecar: Sidecar) async throws -> ReceivedResponse {
        let client = try LoopbackClient(sidecar.adminAddress)
        try await client.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
        return try await client.readResponse()
    }

    @Test func probesReportAliveAndReadyThenNotReadyWhileDraining() async throws {
        // `throws` spelled out: its only `try`s are inside #expect, which closure effect inference does not see.
        try await withSidecar(upstream: "sandbox") { sidecar throws in
            #expect(try await get("/healthz", from: sidecar).status == 200)
            #expect(try await get("/readyz", from: sidecar).status == 200)
            #expect(try await get("/nope", from: sidecar).status == 404)
            sidecar.readiness.startDraining()
            #expect(try await get("/readyz", from: sidecar).status == 503)
            #expect(try await get("/healthz", from: sidecar).status == 200)
        }
    }

    @Test func sandboxModeIsVisibleInReadyzAndBuildInfo() async throws {
        try await withSidecar(upstream: "sandbox") { sidecar in
            let ready = try await get("/readyz", from: sidecar)
            #expect(ready.status == 200)
            #expect(ready.bodyText.contains("sandbox"))
        }
        try await withFakeFreedomPay { upstream, _ in
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                #expect(try await get("/readyz", from: sidecar).bodyText == "ready\n")
                let text = try await get("/metrics", from: sidecar).bodyText
                #expect(text.contains(#"freedompay_sidecar_build_info{version="\#(Sidecar.version)",upstream="127.0.0.1"} 1"#))
            }
        }
    }

    @Test func metricsCountARefund() async throws {
        try await withSidecar(upstream: "sandbox") { sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send(refundRequest())
            #expect(try await client.readResponse().status == 200)
            try await client.send(refundRequest(extraHeaders: "X-Action: gateway.payment.reverse\r\n"))
            #expect(try await client.readResponse().status == 403)
            let metrics = try await get("/metrics", from: sidecar)
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = metrics.bodyText
            #expect(
                text.contains(
                    #"freedompay_sidecar_requests_total{route="/v5/g2g/edit",action="gateway.payment.refund",status="200",source="upstream"} 1"#
                ))
            #expect(
                text.contains(
                    #"freedompay_sidecar_requests_total{route="/v5/g2g/edit",action="-",status="403",source="sidecar",code="action_not_allowed"} 1"#
                ))
            #expect(text.contains(#"freedompay_sidecar_request_duration_seconds_count{route="/v5/g2g/edit"} 2"#))
            #expect(text.contains(#"freedompay_sidecar_upstream_duration_seconds_count{route="/v5/g2g/edit"} 1"#))
            #expect(text.contains("freedompay_sidecar_requests_in_flight 0"))
            #expect(text.contains(#"freedompay_sidecar_build_info{version="\#(Sidecar.version)",upstream="sandbox"} 1"#))
            #expect(!text.contains(testSecret))
        }
    }

    @Test func requestLogsAreJSONWithIDsAndNeverKeySignatureOrBody() async throws {
        let logs = LogCapture()
        try await withSidecar(upstream: "sandbox", logs: logs) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            let body = #"{"id":"\#(paymentID)","amount":100}"#
            let requestID = "00000000-0000-4000-8000-0000000000cc"
            try await client.send(refundRequest(body: body, idempotencyKey: nil, extraHeaders: "X-Request-Id: \(requestID)\r\n"))
            #expect(try await client.readResponse().status == 200)
            try await client.send(refundRequest(body: "{}"))
            #expect(try await client.readResponse().status == 400)

            let objects = try logs.objects()
            let requestLines = objects.filter { $0["message"] as? String == "request" }
            #expect(requestLines.count == 2)
            let refund = try #require(requestLines.first)
            #expect(refund["request_id"] as? String == requestID)
            #expect(refund["route"] as? String == "/v5/g2g/edit")
            #expect(refund["action"] as? String == "gateway.payment.refund")
            #expect(refund["status"] as? Int == 200)
            #expect(refund["upstream_status"] as? Int == 200)
            #expect(refund["duration_ms"] is Double)
            #expect(refund["upstream_ms"] is Double)
            #expect(requestLines.last?["error"] as? String == "invalid_body")
            #expect(objects.contains { $0["message"] as? String == "sidecar started" })

            let key = try SigningKey(algorithm: .hs256, keyData: Array(testSecret.utf8))
            let header = JOSEHeaderLayout.gateway.header(path: "/v5/g2g/edit", merchantID: testMerchant, method: "POST", algorithm: .hs256)
            let mac = try #require(DetachedJWS.sign(header: header, payload: Array(body.utf8), key: key).components(separatedBy: "..").last)
            for line in logs.all {
                #expect(!line.contains(testSecret))
                #expect(!line.contains(mac))
                #expect(!line.contains(paymentID), "bodies are never logged")
            }
        }
    }

    @Test func requestsInFlightIsOneWhileTheUpstreamHoldsARefundAndZeroOnceAnswered() async throws {
        try await withFakeFreedomPay { upstream, fake in
            fake.holdRequests.withLock { $0 = true }
            defer { fake.release.open() }
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                let gauge = "\nfreedompay_sidecar_requests_in_flight "
                #expect(try await get("/metrics", from: sidecar).bodyText.contains(gauge + "0\n"))
                let client = try LoopbackClient(sidecar.address)
                try await client.send(refundRequest())
                await fake.arrived.wait()  // the refund is inside the sidecar, waiting for its answer
                let during = try await get("/metrics", from: sidecar).bodyText
                #expect(during.contains(gauge + "1\n"), "one refund is being answered")
                fake.release.open()
                #expect(try await client.readResponse().status == 200)
                // The gauge is lowered before the answer is written (ProxyResponder.finish).
                #expect(try await get("/metrics", from: sidecar).bodyText.contains(gauge + "0\n"))
            }
        }
    }

    @Test func upstreamFailuresAreWarningsWithTraceIDsAndA404StaysBelowWarning() async throws {
        let logs = LogCapture(level: .warning)
        let refusing = try RefusingPort()
        try await withSidecar(upstream: "http://127.0.0.1:\(refusing.port)", logs: logs) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            let traceparent = "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"
            try await client.send(refundRequest(extraHeaders: traceparent))
            #expect(try await client.readResponse().status == 502)
            try await client.send("POST /v5/nope HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            #expect(try await client.readResponse().status == 404)
            try await client.send(refundRequest())
            #expect(try await client.readResponse().status == 502)

            // At warning level only the two 5xx lines are written; the 404 is info.
            let lines = try logs.objects().filter { $0["message"] as? String == "request" }
            #expect(lines.count == 2)
            #expect(lines.map { $0["status"] as? Int } == [502, 502], "the 404 is not written at warning level")
            #expect(!logs.all.contains { $0.contains("/v5/nope") })
            let first = try #require(lines.first)
            #expect(first["level"] as? String == "warning")
            #expect(first["error"] as? String == "upstream_unreachable")
            #expect(first["source"] as? String == "sidecar")
            #expect(first["upstream_attempts"] as? Int == 2)
            #expect(first["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(lines.last?["trace_id"] == nil)
        }
    }

    @Test func anUnknownPathIsLoggedBoundedAndEscaped() async throws {
        let logs = LogCapture()
        try await withSidecar(upstream: "sandbox", logs: logs) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send("POST /v5/nope\(String(repeating: "x", count: 300)) HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            #expect(try await client.readResponse().status == 404)
            let line = try #require(try logs.objects().first { $0["message"] as? String == "request" })
            #expect(line["error"] as? String == "unknown_route")
            let path = try #require(line["path"] as? String)
            #expect(path.hasPrefix("/v5/nope"))
            #expect(path.hasSuffix("…"))
            #expect(path.count == 129)
        }
    }
}
