import Foundation
import FreedomPayJWS
import HTTP1
import Sandbox
import Synchronization
import Testing
import Upstream

/// The emulator's answers without any network: signature, idempotency, actions, bodies.
@Suite struct SandboxEmulatorHandleTests {
    let merchant = "123456"
    let key = try! SigningKey(algorithm: .hs256, keyData: Array("sandbox-unit-test-secret".utf8))
    let paymentID = "01978d4f-1a2b-7c3d-8e4f-0123456789ab"
    let twoStepID = "00000002-0000-4000-8000-0000000000aa"

    var emulator: SandboxEmulator {
        let key = self.key
        return SandboxEmulator(signatureCheck: SandboxSignatureCheck(merchantID: merchant, currentKey: { key }))
    }

    func send(
        _ emulator: SandboxEmulator, _ path: String, action: String?, body: String, requestID: String = UUID().uuidString,
        signWith signingKey: SigningKey? = nil
    ) -> UpstreamResponse {
        let header = JOSEHeaderLayout.gateway.header(path: path, merchantID: merchant, method: "POST", algorithm: .hs256)
        var headers = [
            HTTPHeader(name: "X-Request-Id", value: requestID),
            HTTPHeader(name: "X-JWS-Signature", value: DetachedJWS.sign(header: header, payload: Array(body.utf8), key: signingKey ?? key)),
        ]
        if let action { headers.append(HTTPHeader(name: "X-Action", value: action)) }
        return emulator.handle(method: "POST", path: path, headers: headers, body: Array(body.utf8))
    }

    func json(_ response: UpstreamResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func statusOfAnUnseenPaymentIdIsAPaidPayment() throws {
        let response = send(emulator, "/v5/g2g/read", action: "gateway.payment.status", body: #"{"id":"\#(paymentID)"}"#)
        #expect(response.status == 200)
        #expect(response.headers.first(named: "x-freedompay-sandbox") == "emulated")
        #expect(response.headers.first(named: "x-request-status") == "success")
        let status = try json(response)
        #expect(status["status"] as? String == "paid")
        #expect(status["auto_clearing"] as? Bool == true)
        #expect((status["amount"] as? NSNumber)?.intValue == 10000)
        #expect((status["clearing_amount"] as? NSNumber)?.intValue == 10000)
        #expect((status["refund_amount"] as? NSNumber)?.intValue == 0)
        #expect((status["refund_payments"] as? [Any])?.isEmpty == true)
    }

    @Test func twoStepIdsStartAuthorizedAndTheirTransitionsAreChecked() throws {
        let emulator = self.emulator
        let status = try json(send(emulator, "/v5/g2g/read", action: "gateway.payment.status", body: #"{"id":"\#(twoStepID)"}"#))
        #expect(status["status"] as? String == "authorized")
        #expect(status["auto_clearing"] as? Bool == false)
        let refund = send(emulator, "/v5/g2g/edit", action: "gateway.payment.refund", body: #"{"id":"\#(twoStepID)","amount":1}"#)
        #expect(refund.status == 409)
        #expect(refund.headers.first(named: "x-request-status") == "error")
        #expect(try json(refund)["code"] as? String == "invalid_transition")
        let cleared = send(emulator, "/v5/g2g/edit", action: "gateway.payment.clearing", body: #"{"id":"\#(twoStepID)","amount":2500.5}"#)
        #expect(cleared.status == 200)
        #expect(try json(cleared)["status"] as? String == "paid")
        #expect((try json(cleared)["clearing_amount"] as? NSNumber)?.doubleValue == 2500.5)
        let reverse = send(emulator, "/v5/g2g/edit", action: "gateway.payment.reverse", body: #"{"id":"\#(twoStepID)"}"#)
        #expect(reverse.status == 409)
    }

    @Test func repeatedRequestIdReturnsTheOriginalAndReadRequestFindsIt() throws {
        let emulator = self.emulator
        let requestID = "00000000-0000-4000-8000-000000000001"
        let body = #"{"id":"\#(paymentID)","amount":10000}"#
        let first = send(emulator, "/v5/g2g/edit", action: "gateway.payment.refund", body: body, requestID: requestID)
        let again = send(emulator, "/v5/g2g/edit", action: "gateway.payment.refund", body: body, requestID: requestID)
        #expect(first.status == 200)
        #expect(again.body == first.body)
        let read = send(emulator, "/v5/g2g/read", action: "gateway.request.status", body: #"{"request_id":"\#(requestID)"}"#)
        #expect(read.status == 200)
        #expect(read.body == first.body)
        let unknown = send(
            emulator, "/v5/g2g/read", action: "gateway.request.status", body: #"{"request_id":"00000000-0000-4000-8000-0000000000ff"}"#)
        #expect(unknown.status == 404)
        #expect(try json(unknown)["code"] as? String == "request_not_found")
    }

    @Test func signatureActionAndBodyAreChecked() throws {
        let emulator = self.emulator
        let other = try SigningKey(algorithm: .hs256, keyData: Array("another-merchant".utf8))
        let body = #"{"id":"\#(paymentID)"}"#
        #expect(send(emulator, "/v5/g2g/read", action: "gateway.payment.status", body: body, signWith: other).status == 401)
        #expect(send(emulator, "/v5/g2g/read", action: "gateway.payment.refund", body: body).status == 400)
        #expect(send(emulator, "/v5/g2g/read", action: nil, body: body).status == 400)
        #expect(send(emulator, "/v5/g2g/create", action: "gateway.payment.status", body: body).status == 400)
        #expect(send(emulator, "/v5/g2g/delete", action: "gateway.payment.status", body: body).status == 404)
        #expect(send(emulator, "/v5/g2g/read", action: "gateway.payment.status", body: body, requestID: "not-a-uuid").status == 400)
        for bad in [#"{"id":"x"}"#, #"[1]"#, #"{"id":"\#(paymentID)","amount":0}"#, #"{"id":"\#(paymentID)","amount":"1"}"#] {
            let response = send(emulator, "/v5/g2g/edit", action: "gateway.payment.refund", body: bad)
            #expect(response.status == 400, "\(bad)")
            #expect(try json(response)["code"] as? String == "invalid_body")
        }
    }

    @Test func theKeyIsAskedForOnEveryRequest() throws {
        let rotated = try SigningKey(algorithm: .hs256, keyData: Array("rotated-secret".utf8))
        let current = Mutex(key)
        let emulator = SandboxEmulator(signatureCheck: SandboxSignatureCheck(merchantID: merchant, currentKey: { current.withLock { $0 } }))
        let body = #"{"id":"\#(paymentID)"}"#
        #expect(send(emulator, "/v5/g2g/read", action: "gateway.payment.status", body: body).status == 200)
        current.withLock { $0 = rotated }
        #expect(send(emulator, "/v5/g2g/read", action: "gateway.payment.status", body: body).status == 401)
        #expect(send(emulator, "/v5/g2g/read", action: "gateway.payment.status", body: body, signWith: rotated).status == 200)
    }
}
