import Foundation
import FreedomPayJWS
import HTTPServer
import LoopbackTestSupport
import Sandbox
import SocketLoop
import Testing

@testable import Sidecar

@Suite(.timeLimit(.minutes(1))) struct SandboxEmulatorTests {
    func refund(_ client: LoopbackClient, amount: Int, id: String) async throws -> ReceivedResponse {
        try await client.send(
            refundRequest(
                body: #"{"id":"\#(paymentID)","amount":\#(amount)}"#, idempotencyKey: nil, extraHeaders: "X-Request-Id: \(id)\r\n"))
        return try await client.readResponse()
    }

    @Test func refundsAccumulateAndOverRefundIsDeclined() async throws {
        try await withSidecar(upstream: "sandbox") { sidecar in
            let client = try LoopbackClient(sidecar.address)
            for (index, amount) in [4000, 6000].enumerated() {
                let response = try await refund(client, amount: amount, id: "00000000-0000-4000-8000-00000000000\(index)")
                #expect(response.status == 200)
                #expect(response.header("x-request-status") == "success")
                #expect(response.header("x-freedompay-sandbox") == "emulated")
                let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
                let refundPayment = try #require(json["refund_payment"] as? [String: Any])
                #expect(refundPayment["status"] as? String == "process")
                #expect((refundPayment["amount"] as? NSNumber)?.intValue == -amount)
            }
            let declined = try await refund(client, amount: 1, id: "00000000-0000-4000-8000-000000000009")
            #expect(declined.status == 422)
            #expect(declined.header("X-Sidecar-Error") == nil, "the emulator's answer is an upstream answer")
            #expect(declined.bodyText.contains("refund_amount_exceeded"))
        }
    }

    @Test func repeatedRequestIDReturnsTheOriginalResponse() async throws {
        try await withSidecar(upstream: "sandbox") { sidecar in
            let client = try LoopbackClient(sidecar.address)
            let id = "00000000-0000-4000-8000-0000000000aa"
            let first = try await refund(client, amount: 10000, id: id)
            let again = try await refund(client, amount: 10000, id: id)
            #expect(first.status == 200)
            #expect(again.status == 200)
            #expect(again.body == first.body, "no double refund: the original answer comes back")
        }
    }

    @Test func badSignatureIs401() async throws {
        let keyPath = NSTemporaryDirectory() + "sandbox-key-\(UUID().uuidString)"
        try testSecret.write(toFile: keyPath, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyPath)
        let emulator = SandboxEmulator(keyStore: try KeyStore(source: .file(path: keyPath), algorithm: .hs256), merchantID: testMerchant)
        let server = HTTPServer(
            listener: try Listener(address: .tcp(host: "127.0.0.1", port: 0)), responder: SandboxResponder(emulator: emulator))
        try await withStartedServer(server) { server in
            let body = #"{"id":"\#(paymentID)","amount":1}"#
            let wrongKey = try SigningKey(algorithm: .hs256, keyData: Array("another-merchant".utf8))
            let header = JOSEHeaderLayout.gateway.header(path: "/v5/g2g/edit", merchantID: testMerchant, method: "POST", algorithm: .hs256)
            let client = try LoopbackClient(server.address)
            for signature in [DetachedJWS.sign(header: header, payload: Array(body.utf8), key: wrongKey), "garbage"] {
                try await client.send(
                    "POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nX-Action: gateway.payment.refund\r\nX-Request-Id: 00000000-0000-4000-8000-000000000001\r\nX-JWS-Signature: \(signature)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                )
                let response = try await client.readResponse()
                #expect(response.status == 401)
                #expect(response.bodyText.contains("invalid_signature"))
            }
            // A header signed for another path does not verify either.
            let otherPath = JOSEHeaderLayout.gateway.header(
                path: "/v5/g2g/create", merchantID: testMerchant, method: "POST", algorithm: .hs256)
            let rightKey = try SigningKey(algorithm: .hs256, keyData: Array(testSecret.utf8))
            try await client.send(
                "POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nX-Action: gateway.payment.refund\r\nX-Request-Id: 00000000-0000-4000-8000-000000000002\r\nX-JWS-Signature: \(DetachedJWS.sign(header: otherPath, payload: Array(body.utf8), key: rightKey))\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
            #expect(try await client.readResponse().status == 401)
        }
    }
}
