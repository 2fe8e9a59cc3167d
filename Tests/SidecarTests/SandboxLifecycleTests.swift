import Foundation
import LoopbackTestSupport
import Testing

@testable import Sidecar

/// The payment lifecycle through the sidecar: the app sends unsigned JSON, the sidecar signs
/// it, and the sandbox (`upstream = .sandbox`) verifies and emulates it.
@Suite(.timeLimit(.minutes(1))) struct SandboxLifecycleTests {
    /// Read and edit with every g2g action the sandbox emulates, each with its closed body
    /// schema: the routes of the shipped `config/gateway-full.json` preset.
    static let routes: RouteTable = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let loaded = ConfigurationLoader.read(
            arguments: ["--config", root.appendingPathComponent("config/gateway-full.json").path], environment: [:])
        precondition(loaded.errors.isEmpty, "config/gateway-full.json: \(loaded.errors)")
        return loaded.configuration.routes
    }()

    static func allowLifecycle(_ configuration: inout SidecarConfiguration) {
        configuration.routes = routes
    }

    struct Answer {
        var status: Int
        var json: [String: Any]
        var response: ReceivedResponse
    }

    /// Money-moving actions need `Idempotency-Key` or `X-Request-Id` (428 otherwise): `key` names the operation.
    func post(
        _ client: LoopbackClient, _ path: String, action: String, body: String, requestID: String? = nil, key: String? = nil
    ) async throws -> Answer {
        let idHeader = requestID.map { "X-Request-Id: \($0)\r\n" } ?? key.map { "Idempotency-Key: \($0)\r\n" } ?? ""
        try await client.send(
            "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Action: \(action)\r\n\(idHeader)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        )
        let response = try await client.readResponse()
        #expect(response.header("x-freedompay-sandbox") == "emulated", "\(action) is answered by the sandbox")
        #expect(response.header("X-Sidecar-Error") == nil, "\(action): \(response.bodyText)")
        let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
        return Answer(status: response.status, json: json, response: response)
    }

    func status(_ client: LoopbackClient, _ id: String) async throws -> [String: Any] {
        let answer = try await post(client, "/v5/g2g/read", action: "gateway.payment.status", body: #"{"id":"\#(id)"}"#)
        #expect(answer.status == 200)
        return answer.json
    }

    func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    @Test func paymentLifecycleThroughTheSidecar() async throws {
        try await withSidecar(upstream: "sandbox", configure: Self.allowLifecycle) { sidecar in
            let client = try LoopbackClient(sidecar.address)

            // A paid (one-step) payment: its status, partial refunds, then an over-refund refused.
            let paid = "01978d4f-1a2b-7c3d-8e4f-0000000000b1"
            var payment = try await status(client, paid)
            #expect(payment["status"] as? String == "paid")
            #expect(number(payment["amount"]) == 10000)
            #expect(number(payment["clearing_amount"]) == 10000)
            for amount in ["3000", "2000.50"] {
                let refund = try await post(
                    client, "/v5/g2g/edit", action: "gateway.payment.refund", body: #"{"id":"\#(paid)","amount":\#(amount)}"#,
                    key: "refund-\(amount)")
                #expect(refund.status == 200)
                #expect((refund.json["refund_payment"] as? [String: Any])?["status"] as? String == "process")
            }
            let overRefund = try await post(
                client, "/v5/g2g/edit", action: "gateway.payment.refund", body: #"{"id":"\#(paid)","amount":4999.51}"#, key: "lifecycle-2")
            #expect(overRefund.status == 422)
            #expect(overRefund.json["code"] as? String == "refund_amount_exceeded")
            #expect(overRefund.response.header("x-request-status") == "error")
            payment = try await status(client, paid)
            #expect(payment["status"] as? String == "paid")
            #expect(number(payment["refund_amount"]) == -5000.5)
            #expect((payment["refund_payments"] as? [[String: Any]])?.map { number($0["amount"]) } == [-3000, -2000.5])

            // A two-step payment: authorized, cleared in part, then refunded within what was captured.
            let held = "00000002-0000-4000-8000-0000000000c1"
            payment = try await status(client, held)
            #expect(payment["status"] as? String == "authorized")
            #expect(number(payment["clearing_amount"]) == 0)
            let cleared = try await post(
                client, "/v5/g2g/edit", action: "gateway.payment.clearing", body: #"{"id":"\#(held)","amount":6000}"#, key: "lifecycle-3")
            #expect(cleared.status == 200)
            #expect(cleared.json["status"] as? String == "paid")
            #expect(number(cleared.json["clearing_amount"]) == 6000)
            let beyondCaptured = try await post(
                client, "/v5/g2g/edit", action: "gateway.payment.refund", body: #"{"id":"\#(held)","amount":6000.01}"#, key: "lifecycle-4")
            #expect(beyondCaptured.status == 422)
            let refundID = "00000000-0000-4000-8000-0000000000d1"
            let refund = try await post(
                client, "/v5/g2g/edit", action: "gateway.payment.refund", body: #"{"id":"\#(held)","amount":6000}"#, requestID: refundID)
            #expect(refund.status == 200)
            payment = try await status(client, held)
            #expect(payment["status"] as? String == "refunded")
            #expect(number(payment["refund_amount"]) == -6000)

            // Another two-step payment: reversed while authorized, after which clearing is refused.
            let cancelled = "00000002-0000-4000-8000-0000000000c2"
            let reversed = try await post(
                client, "/v5/g2g/edit", action: "gateway.payment.reverse", body: #"{"id":"\#(cancelled)"}"#, key: "lifecycle-5")
            #expect(reversed.status == 200)
            #expect(reversed.json["status"] as? String == "reversed")
            // (The clearing schema requires an amount, so the late clearing states one.)
            let lateClearing = try await post(
                client, "/v5/g2g/edit", action: "gateway.payment.clearing", body: #"{"id":"\#(cancelled)","amount":100}"#,
                key: "lifecycle-6")
            #expect(lateClearing.status == 409)
            #expect(lateClearing.json["code"] as? String == "invalid_transition")
            #expect(try await status(client, cancelled)["status"] as? String == "reversed")

            // Read request: the original answer to the refund's request id.
            let read = try await post(client, "/v5/g2g/read", action: "gateway.request.status", body: #"{"request_id":"\#(refundID)"}"#)
            #expect(read.status == refund.status)
            #expect(read.response.body == refund.response.body)
        }
    }
}
