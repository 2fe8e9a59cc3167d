import HTTP1
import Testing
@testable import Sidecar

@Suite struct RequestIDPolicyTests {
    let policy = RequestIDPolicy(merchantID: "123456")

    @Test func clientUUIDIsUsedAsIs() throws {
        let id = "0197A0B1-C2D3-7E4F-8A9B-0C1D2E3F4A5B"
        let chosen = try policy.requestID(for: [HTTPHeader(name: "x-request-id", value: id)])
        #expect(chosen.id == id)
        #expect(chosen.source == .client)
    }

    @Test(arguments: ["", "abc", "0197a0b1c2d37e4f8a9b0c1d2e3f4a5b", "0197a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5g", "{0197a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5b}"])
    func nonUUIDClientIDIsRefused(_ value: String) {
        #expect(throws: SidecarError.self) { try policy.requestID(for: [HTTPHeader(name: "X-Request-Id", value: value)]) }
    }

    @Test func idempotencyKeyIsDeterministicAndScopedToTheMerchant() throws {
        let headers = [HTTPHeader(name: "Idempotency-Key", value: "order-42")]
        let first = try policy.requestID(for: headers)
        #expect(first.source == .idempotencyKey)
        #expect(try policy.requestID(for: headers).id == first.id)
        // Pinned: a change to the derivation would re-send old refunds under new ids.
        #expect(first.id == UUIDText.version8(merchantID: "123456", idempotencyKey: "order-42"))
        #expect(first.id == "\(first.id.prefix(14))8\(first.id.dropFirst(15))")
        #expect("89ab".contains(Array(first.id)[19]))
        #expect(try RequestIDPolicy(merchantID: "654321").requestID(for: headers).id != first.id)
        #expect(try policy.requestID(for: [HTTPHeader(name: "Idempotency-Key", value: "order-43")]).id != first.id)
        // Length-prefixed input: moving characters between merchant and key changes the id.
        #expect(UUIDText.version8(merchantID: "12345", idempotencyKey: "6order-42") != first.id)
    }

    @Test func idempotencyKeyKnownAnswer() {
        // Computed independently in Python: SHA-256 over the tag and length-prefixed parts, RFC 9562 v8 bits.
        #expect(UUIDText.version8(merchantID: "123456", idempotencyKey: "order-42") == "504b6fa7-ba4d-8b70-9f9a-eccfef18ab6e")
    }

    @Test(arguments: [String(repeating: "k", count: 256), "with space", "tab\tkey", "ключ"])
    func badIdempotencyKeysAreRefused(_ key: String) {
        #expect(throws: SidecarError.self) { try policy.requestID(for: [HTTPHeader(name: "Idempotency-Key", value: key)]) }
    }

    @Test func generatedIDsAreFreshVersion7() throws {
        let ids = try (0..<100).map { _ in try policy.requestID(for: []) }
        #expect(Set(ids.map(\.id)).count == 100)
        for chosen in ids {
            #expect(chosen.source == .generated)
            #expect(UUIDText.isValid(chosen.id))
            #expect(Array(chosen.id)[14] == "7")
            #expect("89ab".contains(Array(chosen.id)[19]))
        }
    }
}
