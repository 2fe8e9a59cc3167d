import Foundation
import LoopbackTestSupport
import Testing

@testable import Sidecar

/// Issue 17 §3: what an operator sees in the request log.
@Suite(.timeLimit(.minutes(1))) struct OperatorLogTests {
    /// Freedom Pay answering 401 (the fake verifies with another key) is a warning with a hint.
    @Test func anUpstream401IsAWarningWithAHint() async throws {
        let logs = LogCapture(level: .warning)
        try await withFakeFreedomPay(secret: "another-merchant-key", merchantID: testMerchant) { server, _ in
            try await withSidecar(upstream: upstreamURL(server), logs: logs) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                try await client.send(refundRequest(idempotencyKey: "log-401"))
                let response = try await client.readResponse()
                #expect(response.status == 401)
                #expect(response.header("X-Sidecar-Error") == nil, "Freedom Pay's answer, passed through")
            }
        }
        let lines = try logs.objects().filter { $0["message"] as? String == "request" }
        let line = try #require(lines.first)
        #expect(lines.count == 1)
        #expect(line["level"] as? String == "warning")
        #expect(line["upstream_status"] as? Int == 401)
        #expect((line["hint"] as? String)?.contains("key or authId wrong") == true)
        #expect(!logs.all.joined().contains(testSecret))
    }

    /// Freedom Pay answering 403 is the same warning with the same hint as a 401.
    @Test func anUpstream403IsAWarningWithAHint() async throws {
        let body = #"{"code":"forbidden","message":"access denied"}"#
        let server = try TestServer { request, connection in
            let requestID = request.headerValues("X-Request-Id").first ?? ""
            connection.write(
                "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nx-request-id: \(requestID)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
            return true
        }
        defer { server.stop() }
        let logs = LogCapture(level: .warning)
        try await withSidecar(upstream: server.baseURL, logs: logs) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send(refundRequest(idempotencyKey: "log-403"))
            let response = try await client.readResponse()
            #expect(response.status == 403)
            #expect(response.header("X-Sidecar-Error") == nil, "Freedom Pay's answer, passed through")
            #expect(response.bodyText == body)
        }
        let lines = try logs.objects().filter { $0["message"] as? String == "request" }
        let line = try #require(lines.first)
        #expect(lines.count == 1)
        #expect(line["level"] as? String == "warning")
        #expect(line["upstream_status"] as? Int == 403)
        #expect((line["hint"] as? String)?.contains("key or authId wrong") == true)
    }

    @Test func anUpstream200IsNotAWarning() async throws {
        let logs = LogCapture(level: .warning)
        try await withFakeFreedomPay { server, _ in
            try await withSidecar(upstream: upstreamURL(server), logs: logs) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                try await client.send(refundRequest(idempotencyKey: "log-200"))
                #expect(try await client.readResponse().status == 200)
            }
        }
        #expect(try logs.objects().filter { $0["message"] as? String == "request" }.isEmpty)
    }

    /// The refused action is named, bounded to 64 characters and with its tab escaped.
    @Test func aRefusedActionIsNamedBoundedAndEscaped() async throws {
        let logs = LogCapture()
        try await withSidecar(upstream: "sandbox", logs: logs) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            let action = "gateway.payment.reverse\t" + String(repeating: "x", count: 200)
            try await client.send(refundRequest(idempotencyKey: "log-403", extraHeaders: "X-Action: \(action)\r\n"))
            let response = try await client.readResponse()
            #expect(response.status == 403)
            #expect(response.header("X-Sidecar-Error") == "action_not_allowed")
        }
        let line = try #require(try logs.objects().first { $0["message"] as? String == "request" })
        #expect(line["error"] as? String == "action_not_allowed")
        let refused = try #require(line["refused_action"] as? String)
        #expect(refused == "gateway.payment.reverse\\u{9}" + String(repeating: "x", count: 40) + "…")
    }

    /// A refusal answered instead of `100 Continue` (the body never sent) names the refused
    /// action too: that path logs from the head alone.
    @Test func aRefusedActionIsNamedWhenRefusedBeforeContinue() async throws {
        let logs = LogCapture()
        try await withSidecar(upstream: "sandbox", logs: logs) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send(
                "POST /v5/g2g/edit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Idempotency-Key: log-403-continue\r\nX-Action: gateway.payment.reverse\r\n"
                    + "Expect: 100-continue\r\nContent-Length: 40\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 403, "answered instead of 100 Continue")
            #expect(response.header("X-Sidecar-Error") == "action_not_allowed")
        }
        let lines = try logs.objects().filter { $0["message"] as? String == "request" }
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(line["error"] as? String == "action_not_allowed")
        #expect(line["refused_action"] as? String == "gateway.payment.reverse")
    }

    /// Every metric family in /metrics has a `# HELP` line (build_info and key_reloads_total
    /// once had only `# TYPE`).
    @Test func everyMetricFamilyHasHelp() async throws {
        try await withSidecar(upstream: "sandbox") { sidecar in
            let client = try LoopbackClient(sidecar.adminAddress)
            try await client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            let lines = try await client.readResponse().bodyText.split(separator: "\n")
            let typed = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
            let helped = Set(lines.filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
            #expect(typed.contains("freedompay_sidecar_build_info"))
            #expect(typed.contains("freedompay_sidecar_key_reloads_total"))
            for family in typed { #expect(helped.contains(family), "no # HELP for \(family)") }
        }
    }
}
