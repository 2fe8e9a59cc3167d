import Foundation
import LoopbackTestSupport
import Testing

@testable import Sidecar

/// The README's walk-through ("Create, read, refund"), run through the sidecar (the shipped
/// `gateway-full` preset) and the sandbox: create a payment, read it by `order_id`, refund
/// part of it, read it again. Every money-moving request carries an `Idempotency-Key`.
@Suite(.timeLimit(.minutes(1))) struct CreateReadRefundTests {
    struct Answer {
        var status: Int
        var json: [String: Any]
        var response: ReceivedResponse
    }

    func post(_ client: LoopbackClient, _ path: String, action: String? = nil, key: String? = nil, body: String) async throws -> Answer {
        let actionHeader = action.map { "X-Action: \($0)\r\n" } ?? ""
        let keyHeader = key.map { "Idempotency-Key: \($0)\r\n" } ?? ""
        try await client.send(
            "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\(actionHeader)\(keyHeader)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        )
        let response = try await client.readResponse()
        #expect(response.header("x-freedompay-sandbox") == "emulated", "\(path) is answered by the sandbox: \(response.bodyText)")
        #expect(response.header("X-Sidecar-Error") == nil, "\(path): \(response.bodyText)")
        let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
        return Answer(status: response.status, json: json, response: response)
    }

    static func createBody(orderID: String, amount: String, autoClearing: Bool) -> String {
        #"{"amount":\#(amount),"currency":"KZT","description":"walk-through","order_id":"\#(orderID)","auto_clearing":\#(autoClearing),"from":{"type":"card","card":{"name":"CARD HOLDER","pan":"4400444400004440","cvc":"123","year":30,"month":12}}}"#
    }

    func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    @Test func createReadByOrderIDRefundRead() async throws {
        try await withSidecar(upstream: "sandbox", configure: SandboxLifecycleTests.allowLifecycle) { sidecar in
            let client = try LoopbackClient(sidecar.address)

            // 1. Create a one-step payment (auto_clearing: true): paid at once.
            let created = try await post(
                client, "/v5/g2g/create", key: "order-A-1001-create",
                body: Self.createBody(orderID: "A-1001", amount: "1500", autoClearing: true))
            #expect(created.status == 200)
            #expect(created.json["status"] as? String == "paid")
            #expect(created.json["order_id"] as? String == "A-1001")
            let id = try #require(created.json["id"] as? String)
            #expect(UUIDText.isValid(id))

            // The same key again: the same X-Request-Id, so the original answer, no second payment.
            let again = try await post(
                client, "/v5/g2g/create", key: "order-A-1001-create",
                body: Self.createBody(orderID: "A-1001", amount: "1500", autoClearing: true))
            #expect(again.response.body == created.response.body)
            #expect(again.response.header("x-request-id") == created.response.header("x-request-id"))

            // 2. Read it by the merchant's order_id (the route's default action, gateway.payment.status).
            let read = try await post(client, "/v5/g2g/read", body: #"{"order_id":"A-1001"}"#)
            #expect(read.status == 200)
            #expect(read.json["id"] as? String == id)
            #expect(number(read.json["amount"]) == 1500)
            #expect(number(read.json["clearing_amount"]) == 1500)

            // 3. Refund part of it.
            let refund = try await post(
                client, "/v5/g2g/edit", action: "gateway.payment.refund", key: "order-A-1001-refund-1",
                body: #"{"id":"\#(id)","amount":500}"#)
            #expect(refund.status == 200)
            #expect((refund.json["refund_payment"] as? [String: Any])?["status"] as? String == "process")

            // 4. Read again, by id and order_id together as the read payment page's example does.
            let after = try await post(client, "/v5/g2g/read", body: #"{"id":"\#(id)","order_id":"A-1001"}"#)
            #expect(after.status == 200)
            #expect(after.json["status"] as? String == "paid")
            #expect(number(after.json["refund_amount"]) == -500)
        }
    }

    @Test func twoStepCreateWaitsForClearing() async throws {
        try await withSidecar(upstream: "sandbox", configure: SandboxLifecycleTests.allowLifecycle) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            let created = try await post(
                client, "/v5/g2g/create", key: "order-B-7-create",
                body: Self.createBody(orderID: "B-7", amount: "99.90", autoClearing: false))
            #expect(created.status == 200)
            #expect(created.json["status"] as? String == "authorized")
            #expect(created.json["auto_clearing"] as? Bool == false)
            let id = try #require(created.json["id"] as? String)
            let early = try await post(
                client, "/v5/g2g/edit", action: "gateway.payment.refund", key: "order-B-7-refund-1", body: #"{"id":"\#(id)","amount":1}"#)
            #expect(early.status == 409)
            let cleared = try await post(
                client, "/v5/g2g/edit", action: "gateway.payment.clearing", key: "order-B-7-clearing",
                body: #"{"id":"\#(id)","amount":99.90}"#)
            #expect(cleared.status == 200)
            let read = try await post(client, "/v5/g2g/read", body: #"{"order_id":"B-7"}"#)
            #expect(read.json["status"] as? String == "paid")
            #expect(number(read.json["clearing_amount"]) == 99.9)
        }
    }

    /// Create payment moves money, so #11's rules apply: no key is a 428 and nothing is
    /// created; a key names one payment, so the same key with another body is a 422.
    @Test func createPaymentNeedsAKeyThatNamesOnePayment() async throws {
        try await withSidecar(upstream: "sandbox", configure: SandboxLifecycleTests.allowLifecycle) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            func send(key: String?, body: String) async throws -> ReceivedResponse {
                let keyHeader = key.map { "Idempotency-Key: \($0)\r\n" } ?? ""
                try await client.send(
                    "POST /v5/g2g/create HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\(keyHeader)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
                )
                return try await client.readResponse()
            }
            let unkeyed = try await send(key: nil, body: Self.createBody(orderID: "E-1", amount: "10", autoClearing: true))
            #expect(unkeyed.status == 428)
            #expect(unkeyed.header("X-Sidecar-Error") == "idempotency_key_required")
            let notCreated = try await post(client, "/v5/g2g/read", body: #"{"order_id":"E-1"}"#)
            #expect(notCreated.status == 404, "nothing reached the sandbox")

            let first = try await send(key: "order-E-1-create", body: Self.createBody(orderID: "E-1", amount: "10", autoClearing: true))
            #expect(first.status == 200)
            let other = try await send(key: "order-E-1-create", body: Self.createBody(orderID: "E-1", amount: "20", autoClearing: true))
            #expect(other.status == 422)
            #expect(other.header("X-Sidecar-Error") == "idempotency_key_reused")
            let read = try await post(client, "/v5/g2g/read", body: #"{"order_id":"E-1"}"#)
            #expect(number(read.json["amount"]) == 10)
        }
    }

    /// Card data (README, "Create payment and card data (PCI DSS)"): at the most verbose log
    /// level, neither an accepted create payment nor a refused one puts the card's number or
    /// holder name in any log line, and the refusal and the sandbox's answer do not repeat them.
    @Test func cardDataIsNeverLoggedNorRepeated() async throws {
        let logs = LogCapture(level: .trace)
        try await withSidecar(upstream: "sandbox", logs: logs, configure: SandboxLifecycleTests.allowLifecycle) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            let created = try await post(
                client, "/v5/g2g/create", key: "order-D-1-create", body: Self.createBody(orderID: "D-1", amount: "10", autoClearing: true))
            #expect(created.status == 200)
            #expect(!created.response.bodyText.contains("4400444400004440"))

            let badPAN = Self.createBody(orderID: "D-2", amount: "10", autoClearing: true).replacingOccurrences(
                of: "4400444400004440", with: "44004444000044409999")
            try await client.send(
                "POST /v5/g2g/create HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nIdempotency-Key: order-D-2-create\r\nContent-Length: \(badPAN.utf8.count)\r\n\r\n\(badPAN)"
            )
            let refused = try await client.readResponse()
            #expect(refused.status == 400)
            #expect(refused.header("X-Sidecar-Error") == "invalid_body")
            #expect(refused.bodyText.contains("from.card.pan"))
            #expect(!refused.bodyText.contains("4400444400004440"))

            let lines = logs.all
            #expect(lines.filter { $0.contains(#""message":"request""#) }.count == 2)
            for line in lines {
                #expect(!line.contains("4400444400004440"), "no card number in \(line)")
                #expect(!line.contains("CARD HOLDER"), "no holder name in \(line)")
            }
        }
    }

    /// Bodies the sidecar's schemas allow that the sandbox still refuses, as Freedom Pay would.
    @Test func sandboxRefusesWhatOnlyItCanKnow() async throws {
        try await withSidecar(upstream: "sandbox", configure: SandboxLifecycleTests.allowLifecycle) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            let first = try await post(
                client, "/v5/g2g/create", key: "order-C-1-create", body: Self.createBody(orderID: "C-1", amount: "10", autoClearing: true))
            #expect(first.status == 200)
            let duplicate = try await post(
                client, "/v5/g2g/create", key: "order-C-1-create-again",
                body: Self.createBody(orderID: "C-1", amount: "10", autoClearing: true))
            #expect(duplicate.status == 400)
            #expect(duplicate.json["code"] as? String == "duplicate_order_id")

            let mismatch = try await post(
                client, "/v5/g2g/read", body: #"{"id":"01978d4f-1a2b-7c3d-8e4f-0000000000e1","order_id":"C-1"}"#)
            #expect(mismatch.status == 400)
            #expect(mismatch.json["code"] as? String == "payment_mismatch")

            let unknown = try await post(client, "/v5/g2g/read", body: #"{"order_id":"never-created"}"#)
            #expect(unknown.status == 404)
            #expect(unknown.json["code"] as? String == "payment_not_found")
        }
    }
}
