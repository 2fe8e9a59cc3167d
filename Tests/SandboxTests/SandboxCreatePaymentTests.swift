import Foundation
import FreedomPayJWS
import HTTP1
import Sandbox
import Testing
import Upstream

/// The payer's card, as in the Async API overview's example (https://docs.freedompay.kz/doc-650923).
private let card = #""from":{"type":"card","card":{"name":"CARD HOLDER","pan":"4400444400004440","cvc":"123","year":30,"month":12}}"#

/// Create payment and reads by `order_id` in the emulator itself, without the sidecar; and the
/// 400s it gives to create bodies that a client sending straight to it could get wrong.
@Suite struct SandboxCreatePaymentTests {
    let merchant = "123456"
    let key = try! SigningKey(algorithm: .hs256, keyData: Array("sandbox-unit-test-secret".utf8))

    func makeEmulator() -> SandboxEmulator {
        let key = self.key
        return SandboxEmulator(signatureCheck: SandboxSignatureCheck(merchantID: merchant, currentKey: { key }))
    }

    func send(_ emulator: SandboxEmulator, _ path: String, action: String, body: String) throws -> (Int, [String: Any]) {
        let header = JOSEHeaderLayout.gateway.header(path: path, merchantID: merchant, method: "POST", algorithm: .hs256)
        let headers = [
            HTTPHeader(name: "X-Request-Id", value: UUID().uuidString),
            HTTPHeader(name: "X-JWS-Signature", value: DetachedJWS.sign(header: header, payload: Array(body.utf8), key: key)),
            HTTPHeader(name: "X-Action", value: action),
        ]
        let response = emulator.handle(method: "POST", path: path, headers: headers, body: Array(body.utf8))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        return (response.status, json)
    }

    func create(_ emulator: SandboxEmulator, orderID: String, autoClearing: Bool) throws -> (Int, [String: Any]) {
        try send(
            emulator, "/v5/g2g/create", action: "gateway.payment.create",
            body: #"{"amount":250.5,"currency":"KZT","description":"d","order_id":"\#(orderID)","auto_clearing":\#(autoClearing),\#(card)}"#
        )
    }

    @Test func autoClearingMakesOneStepOrTwoStepPayments() throws {
        let emulator = makeEmulator()
        let (oneStatus, one) = try create(emulator, orderID: "one", autoClearing: true)
        #expect(oneStatus == 200)
        #expect(one["status"] as? String == "paid")
        #expect(one["auto_clearing"] as? Bool == true)
        #expect((one["clearing_amount"] as? NSNumber)?.doubleValue == 250.5)
        let (twoStatus, two) = try create(emulator, orderID: "two", autoClearing: false)
        #expect(twoStatus == 200)
        #expect(two["status"] as? String == "authorized")
        #expect((two["clearing_amount"] as? NSNumber)?.doubleValue == 0)

        let (readStatus, read) = try send(emulator, "/v5/g2g/read", action: "gateway.payment.status", body: #"{"order_id":"two"}"#)
        #expect(readStatus == 200)
        #expect(read["id"] as? String == two["id"] as? String)
        #expect(read["order_id"] as? String == "two")
        // The id in upper case is the same payment.
        let upper = (two["id"] as? String ?? "").uppercased()
        let (bothStatus, both) = try send(
            emulator, "/v5/g2g/read", action: "gateway.payment.status", body: #"{"id":"\#(upper)","order_id":"two"}"#)
        #expect(bothStatus == 200)
        #expect(both["status"] as? String == "authorized")
    }

    @Test(arguments: [
        (#"{"currency":"KZT","order_id":"x","auto_clearing":true,\#(card)}"#, #""amount" must be a number greater than 0"#),
        (#"{"amount":0,"order_id":"x","auto_clearing":true,\#(card)}"#, #""amount" must be a number greater than 0"#),
        (#"{"amount":1,"order_id":"","auto_clearing":true,\#(card)}"#, #""order_id" must be a non-empty string"#),
        (#"{"amount":1,"order_id":"x",\#(card)}"#, #""auto_clearing" must be true (one-step) or false (two-step)"#),
        (#"{"amount":1,"order_id":"x","auto_clearing":"true",\#(card)}"#, #""auto_clearing" must be true (one-step) or false (two-step)"#),
        (#"{"amount":1,"order_id":"x","auto_clearing":true}"#, #""from" must hold the payer's "card""#),
        (#"{"amount":1,"order_id":"x","auto_clearing":true,"from":{"type":"card"}}"#, #""from" must hold the payer's "card""#),
    ])
    func malformedCreateBodiesAre400(_ body: String, _ message: String) throws {
        let (status, json) = try send(makeEmulator(), "/v5/g2g/create", action: "gateway.payment.create", body: body)
        #expect(status == 400)
        #expect(json["code"] as? String == "invalid_body")
        #expect(json["message"] as? String == message)
    }

    @Test func readsByOrderIDThatDoNotFitAreRefused() throws {
        let emulator = makeEmulator()
        #expect(try create(emulator, orderID: "A", autoClearing: true).0 == 200)
        let (duplicate, duplicateBody) = try create(emulator, orderID: "A", autoClearing: false)
        #expect(duplicate == 400)
        #expect(duplicateBody["code"] as? String == "duplicate_order_id")
        let (unknown, unknownBody) = try send(emulator, "/v5/g2g/read", action: "gateway.payment.status", body: #"{"order_id":"B"}"#)
        #expect(unknown == 404)
        #expect(unknownBody["code"] as? String == "payment_not_found")
        let (mismatch, mismatchBody) = try send(
            emulator, "/v5/g2g/read", action: "gateway.payment.status",
            body: #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","order_id":"A"}"#)
        #expect(mismatch == 400)
        #expect(mismatchBody["code"] as? String == "payment_mismatch")
        let (neither, neitherBody) = try send(emulator, "/v5/g2g/read", action: "gateway.payment.status", body: "{}")
        #expect(neither == 400)
        #expect(neitherBody["message"] as? String == #"send "id", "order_id" or both"#)
    }
}
