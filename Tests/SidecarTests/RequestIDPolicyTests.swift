import HTTP1
import Testing

@testable import Sidecar

@Suite struct RequestIDPolicyTests {
    let policy = RequestIDPolicy(merchantID: "123456")
    let refund = "/v5/g2g/edit"
    let refundAction = "gateway.payment.refund"

    @Test func clientUUIDIsUsedAsIs() throws {
        let id = "0197A0B1-C2D3-7E4F-8A9B-0C1D2E3F4A5B"
        let chosen = try policy.requestID(for: [HTTPHeader(name: "x-request-id", value: id)], path: refund, action: refundAction)
        #expect(chosen.id == id)
        #expect(chosen.source == .client)
    }

    @Test(arguments: [
        "", "abc", "0197a0b1c2d37e4f8a9b0c1d2e3f4a5b", "0197a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5g", "{0197a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5b}",
    ])
    func nonUUIDClientIDIsRefused(_ value: String) {
        #expect(throws: SidecarError.self) {
            try policy.requestID(for: [HTTPHeader(name: "X-Request-Id", value: value)], path: refund, action: refundAction)
        }
    }

    @Test func idempotencyKeyIsDeterministicAndScopedToTheMerchant() throws {
        let headers = [HTTPHeader(name: "Idempotency-Key", value: "order-42")]
        let first = try policy.requestID(for: headers, path: refund, action: refundAction)
        #expect(first.source == .idempotencyKey)
        #expect(try policy.requestID(for: headers, path: refund, action: refundAction).id == first.id)
        // Pinned, computed by Python (see idempotencyKeyKnownAnswer): a change to the
        // derivation would re-send old refunds under new ids.
        #expect(first.id == "2ec60bb3-659f-8a6c-94a2-880f2d99631b")
        #expect(first.id == "\(first.id.prefix(14))8\(first.id.dropFirst(15))")
        #expect("89ab".contains(Array(first.id)[19]))
        #expect(try RequestIDPolicy(merchantID: "654321").requestID(for: headers, path: refund, action: refundAction).id != first.id)
        #expect(
            try policy.requestID(for: [HTTPHeader(name: "Idempotency-Key", value: "order-43")], path: refund, action: refundAction).id
                != first.id)
        // Length-prefixed input: moving characters between the parts changes the id.
        #expect(UUIDText.version8(merchantID: "12345", path: refund, action: refundAction, idempotencyKey: "6order-42") != first.id)
        #expect(
            UUIDText.version8(merchantID: "123456", path: refund, action: "gateway.payment.refun", idempotencyKey: "dorder-42") != first.id)
    }

    @Test func idempotencyKeyIsScopedToTheOperation() throws {
        // One order-level key used for a status read, then a refund, reverse and clearing:
        // four different ids, so Freedom Pay never answers the refund with the read's response.
        let headers = [HTTPHeader(name: "Idempotency-Key", value: "order-42")]
        let ids = try [
            ("/v5/g2g/read", "gateway.payment.status"), (refund, refundAction),
            (refund, "gateway.payment.reverse"), (refund, "gateway.payment.clearing"),
        ].map { try policy.requestID(for: headers, path: $0.0, action: $0.1).id }
        #expect(Set(ids).count == 4)
    }

    @Test func idempotencyKeyKnownAnswer() {
        // Computed independently in Python (hashlib, struct.pack(">I", len)): SHA-256 over
        // "freedompay-sidecar idempotency-key v2" and the length-prefixed merchant, path,
        // action and key; the first 16 bytes with RFC 9562 version 8 and variant bits.
        #expect(
            UUIDText.version8(merchantID: "123456", path: "/v5/g2g/edit", action: "gateway.payment.refund", idempotencyKey: "order-42")
                == "2ec60bb3-659f-8a6c-94a2-880f2d99631b")
        #expect(
            UUIDText.version8(merchantID: "123456", path: "/v5/g2g/read", action: "gateway.payment.status", idempotencyKey: "order-42")
                == "f4608595-7f09-8e8a-8559-4079897a3b81")
    }

    @Test(arguments: [String(repeating: "k", count: 256), "with space", "tab\tkey", "ключ"])
    func badIdempotencyKeysAreRefused(_ key: String) {
        #expect(throws: SidecarError.self) {
            try policy.requestID(for: [HTTPHeader(name: "Idempotency-Key", value: key)], path: refund, action: refundAction)
        }
    }

    @Test func bothHeadersAreRefused() {
        let headers = [
            HTTPHeader(name: "Idempotency-Key", value: "order-42"),
            HTTPHeader(name: "X-Request-Id", value: "0197a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5b"),
        ]
        #expect(throws: SidecarError.invalidRequestID("send Idempotency-Key or X-Request-Id, not both")) {
            try policy.requestID(for: headers, path: refund, action: refundAction)
        }
        #expect(throws: SidecarError.invalidRequestID("send Idempotency-Key or X-Request-Id, not both")) {
            try policy.requestID(for: headers.reversed(), path: "/v5/g2g/read", action: "gateway.payment.status", idempotency: .optional)
        }
    }

    @Test func aRequiredActionWithoutEitherHeaderIs428AndAnOptionalOneGetsAnID() throws {
        #expect(throws: SidecarError.idempotencyKeyRequired(refundAction)) {
            try policy.requestID(for: [HTTPHeader(name: "traceparent", value: "x")], path: refund, action: refundAction)
        }
        #expect(SidecarError.idempotencyKeyRequired(refundAction).status == 428)
        // A bad header is a 400 even where the key is optional, and before any 428.
        #expect(throws: SidecarError.invalidRequestID("X-Request-Id must be a UUID")) {
            try policy.requestID(
                for: [HTTPHeader(name: "X-Request-Id", value: "1")], path: refund, action: refundAction, idempotency: .optional)
        }
        let read = try policy.requestID(for: [], path: "/v5/g2g/read", action: "gateway.payment.status", idempotency: .optional)
        #expect(read.source == .generated)
    }

    @Test func generatedIDsAreFreshVersion7() throws {
        let ids = try (0..<100).map { _ in try policy.requestID(for: [], path: refund, action: refundAction, idempotency: .optional) }
        #expect(Set(ids.map(\.id)).count == 100)
        for chosen in ids {
            #expect(chosen.source == .generated)
            #expect(UUIDText.isValid(chosen.id))
            #expect(Array(chosen.id)[14] == "7")
            #expect("89ab".contains(Array(chosen.id)[19]))
        }
    }
}
