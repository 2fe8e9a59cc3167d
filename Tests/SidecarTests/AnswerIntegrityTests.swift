import Foundation
import HTTP1
import LoopbackTestSupport
import Testing

@testable import Sidecar

/// Runs `body` with a sidecar in front of `upstream`, trusting `caBundlePath` when the upstream
/// speaks TLS. One event loop and one upstream connection unless told otherwise, so that a
/// connection that is kept is the one the next request reuses.
func withSidecar<Result>(
    inFrontOf upstream: ChaosUpstream, caBundlePath: String?, eventLoops: Int = 1, maxConcurrentUpstream: Int = 1,
    logs: LogCapture = LogCapture(), isolation: isolated (any Actor)? = #isolation, _ body: (Sidecar) async throws -> Result
) async throws -> Result {
    let configure: (inout SidecarConfiguration) -> Void = {
        $0.caBundlePath = caBundlePath
        $0.eventLoops = eventLoops
        $0.maxConcurrentUpstream = maxConcurrentUpstream
        $0.upstreamTimeout = 10
    }
    return try await withSidecar(upstream: upstream.baseURL, logs: logs, configure: configure) { try await body($0) }
}

/// Runs `body` with a chaos upstream, over TLS with a fresh test CA (whose bundle it gets) or plain.
func withChaosUpstream<Result>(
    tls: Bool, actions: [ChaosAction], isolation: isolated (any Actor)? = #isolation,
    _ body: (ChaosUpstream, _ caBundlePath: String?) async throws -> Result
) async throws -> Result {
    guard tls else {
        let upstream = try ChaosUpstream(tls: nil, actions: actions)
        defer { upstream.stop() }
        return try await body(upstream, nil)
    }
    return try await withTestPKI { pki in
        let upstream = try ChaosUpstream(tls: pki.valid, actions: actions)
        defer { upstream.stop() }
        return try await body(upstream, pki.caBundlePath)
    }
}

/// A refund with its own body and `Idempotency-Key`, and the `X-Request-Id` the sidecar derives
/// from that key (`RequestIDPolicy`), which the upstream's answer must echo.
struct KeyedRefund {
    let key: String
    let body: String

    init(caller: Int, number: Int, tag: String = "answer") {
        key = "\(tag)-\(caller)-\(number)"
        let payment = String(format: "01978d4f-0000-7000-8000-%012x", caller + 1)
        body = #"{"id":"\#(payment)","amount":\#(number + 1)}"#
    }

    var request: String { refundRequest(body: body, idempotencyKey: key) }

    var requestID: String {
        UUIDText.version8(merchantID: testMerchant, path: "/v5/g2g/edit", action: "gateway.payment.refund", idempotencyKey: key)
    }

    /// The upstream's answer to exactly this refund: its id (hex in either case) and its body.
    func isAnswered(by response: ReceivedResponse) -> Bool {
        response.status == 200 && response.header("X-Sidecar-Error") == nil
            && response.header("x-request-id")?.lowercased() == requestID && response.bodyText == body
    }
}

/// The `error.code` of a sidecar error body.
func sidecarErrorCode(_ response: ReceivedResponse) -> String? {
    let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
    return (object?["error"] as? [String: Any])?["code"] as? String
}

/// No caller receives another caller's answer (README "What the sidecar guarantees about
/// answers"): pooled connections are reused only when clean, and each answer is tied to its
/// request by `x-request-id`.
@Suite("Every answer to its own request", .timeLimit(.minutes(1)))
struct AnswerIntegrityTests {
    @Test(
        "a late duplicate of the previous answer on a reused connection is a 502, never the next caller's answer", arguments: [false, true])
    func lateDuplicateIsRefused(tls: Bool) async throws {
        try await withChaosUpstream(tls: tls, actions: [.duplicateBeforeNextAnswer]) { upstream, bundle in
            try await withSidecar(inFrontOf: upstream, caBundlePath: bundle) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                let first = KeyedRefund(caller: 0, number: 0)
                try await client.send(first.request)
                #expect(first.isAnswered(by: try await client.readResponse()))

                // The upstream sends the first answer again, then the second's: the duplicate
                // arrives where the second answer is expected.
                let second = KeyedRefund(caller: 0, number: 1)
                try await client.send(second.request)
                let refused = try await client.readResponse()
                #expect(refused.status == 502)
                #expect(refused.header("X-Sidecar-Error") == "upstream_bad_response")
                #expect(sidecarErrorCode(refused) == "upstream_bad_response")
                #expect(refused.bodyText.contains("belongs to another request"))
                #expect(refused.header("X-Request-Id") == second.requestID)

                // That connection was closed with whatever followed on it: a fresh one answers.
                let third = KeyedRefund(caller: 0, number: 2)
                try await client.send(third.request)
                #expect(third.isAnswered(by: try await client.readResponse()))
                #expect(upstream.connectionCount == 2)
            }
        }
    }

    @Test(
        "bytes behind an answer (a CRLF or a duplicate, in its own TLS record, in the same segment) keep the connection out of the pool",
        arguments: [(false, ChaosAction.duplicateSeparate), (true, .duplicateSeparate), (false, .crlfSeparate), (true, .crlfSeparate)])
    func strayBytesBehindAnAnswer(tls: Bool, stray: ChaosAction) async throws {
        try await withChaosUpstream(tls: tls, actions: [stray]) { upstream, bundle in
            try await withSidecar(inFrontOf: upstream, caBundlePath: bundle) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                for number in 0..<3 {
                    let refund = KeyedRefund(caller: 0, number: number)
                    try await client.send(refund.request)
                    let response = try await client.readResponse()
                    #expect(refund.isAnswered(by: response), "refund \(number): \(response.status) \(response.bodyText)")
                }
                // The dirty connection was closed after the first answer; the clean one is reused.
                #expect(upstream.connectionCount == 2)
            }
        }
    }

    @Test("an upstream's own X-Sidecar-Error never reaches the caller; an id echoed in upper case is the request's")
    func upstreamHeadersAreTruthful() async throws {
        try await withChaosUpstream(tls: false, actions: [.foreignSidecarError, .upperCaseID]) { upstream, bundle in
            try await withSidecar(inFrontOf: upstream, caBundlePath: bundle) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                for number in 0..<2 {
                    let refund = KeyedRefund(caller: 0, number: number)
                    try await client.send(refund.request)
                    let response = try await client.readResponse()
                    #expect(refund.isAnswered(by: response), "refund \(number): \(response.status) \(response.headers)")
                }
                #expect(upstream.connectionCount == 1)
            }
        }
    }

    @Test("an answer without x-request-id is passed on and logged at warning; its connection is not reused")
    func answerWithoutRequestID() async throws {
        let body = #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","refund_payment":{"status":"process"}}"#
        let server = try TestServer { _, connection in
            connection.write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            return true
        }
        defer { server.stop() }
        let logs = LogCapture()
        let oneLoop: (inout SidecarConfiguration) -> Void = { $0.eventLoops = 1 }
        try await withSidecar(upstream: server.baseURL, logs: logs, configure: oneLoop) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            for number in 0..<2 {
                let refund = KeyedRefund(caller: 0, number: number)
                try await client.send(refund.request)
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(response.bodyText == body)
                #expect(response.header("X-Sidecar-Error") == nil)
                #expect(response.header("X-Request-Id") == refund.requestID)
            }
        }
        #expect(server.connectionCount == 2)
        let warnings = try logs.objects().filter {
            ($0["level"] as? String) == "warning" && (($0["message"] as? String) ?? "").contains("without x-request-id")
        }
        #expect(warnings.count == 2)
    }
}
