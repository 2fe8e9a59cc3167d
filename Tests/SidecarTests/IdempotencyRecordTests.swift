import JSONCore
import Testing

@testable import Sidecar

/// The per-process record behind 422 `idempotency_key_reused`, and the operation fingerprint it keeps.
@Suite struct IdempotencyRecordTests {
    let hasher = OperationFingerprint.Hasher()
    let edit = "/v5/g2g/edit"
    let refund = "gateway.payment.refund"

    func fingerprint(_ body: String, schema: BodySchema = .refund, path: String = "/v5/g2g/edit", action: String = "gateway.payment.refund")
        throws -> OperationFingerprint
    {
        let value = try BodyValidator().validate(Array(body.utf8), schema: schema)
        return hasher.fingerprint(path: path, action: action, schema: schema, body: value)
    }

    @Test func aRefundIsTheSameOperationWhateverItsSpellingAndAnotherWhenItsFieldsDiffer() throws {
        let base = try fingerprint(#"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100}"#)
        for same in [
            #"{ "amount": 100.00, "id": "01978D4F-1A2B-7C3D-8E4F-0123456789AB" }"#,
            #"{"amount":100.0,"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab"}"#,
            #"{"id":"\u0030\u0031978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100}"#,
        ] {
            #expect(try fingerprint(same) == base, "\(same)")
        }
        for other in [
            #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100.01}"#,
            #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":10}"#,
            #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ac","amount":100}"#,
        ] {
            #expect(try fingerprint(other) != base, "\(other)")
        }
        let body = #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100}"#
        #expect(try fingerprint(body, schema: .clearing, action: "gateway.payment.clearing") != base, "another action")
        #expect(try fingerprint(body, path: "/v5/other") != base, "another path")
        let otherProcess = OperationFingerprint.Hasher()
        let value = try BodyValidator().validate(Array(body.utf8), schema: .refund)
        #expect(otherProcess.fingerprint(path: edit, action: refund, schema: .refund, body: value) != base, "a per-process random key")
    }

    @Test func aJSONObjectIsReadAsItsParsedValue() throws {
        func open(_ body: String) throws -> OperationFingerprint { try fingerprint(body, schema: .jsonObject, action: "custom.create") }
        let base = try open(#"{"card":{"pan":"4400","cvc":"123"},"amount":1,"items":[1,true,null]}"#)
        #expect(try open(#"{ "items" : [1.0, true, null], "amount": 1e0, "card": {"cvc":"123","pan":"\u0034400"} }"#) == base)
        #expect(try open(#"{"card":{"pan":"4401","cvc":"123"},"amount":1,"items":[1,true,null]}"#) != base)
        #expect(try open(#"{"card":{"pan":"4400","cvc":"123"},"amount":1,"items":[true,1,null]}"#) != base, "array order counts")
        #expect(try open(#"{"card":{"pan":"4400","cvc":"123"},"amount":"1","items":[1,true,null]}"#) != base, "a string is not a number")
        #expect(try open(#"{"a":0}"#) == (try open(#"{"a":-0.0}"#)))
    }

    @Test func amountsAreReadAsCents() {
        #expect(OperationFingerprint.cents("100") == 10000)
        #expect(OperationFingerprint.cents("100.5") == 10050)
        #expect(OperationFingerprint.cents("100.05") == 10005)
        #expect(OperationFingerprint.cents("0.01") == 1)
        #expect(OperationFingerprint.cents("1000000000000") == 100_000_000_000_000)
    }

    @Test func anIDNamesOneOperationWhateverItsHexCase() {
        let record = IdempotencyRecord(limit: 10, maxAge: .seconds(60))
        let first = OperationFingerprint(high: 1, low: 2)
        let now = ContinuousClock.now
        #expect(record.admit(requestID: "0197a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5b", fingerprint: first, now: now) == .recorded)
        #expect(record.admit(requestID: "0197A0B1-C2D3-7E4F-8A9B-0C1D2E3F4A5B", fingerprint: first, now: now) == .sameOperation)
        #expect(
            record.admit(requestID: "0197A0B1-C2D3-7E4F-8A9B-0C1D2E3F4A5B", fingerprint: OperationFingerprint(high: 1, low: 3), now: now)
                == .differentOperation)
        #expect(record.count == 1, "a refusal writes nothing")
        #expect(RequestIDBits("0197a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5b") != RequestIDBits("0197a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5c"))
        #expect(RequestIDBits("00000000-0000-0000-0000-000000000001") != RequestIDBits("10000000-0000-0000-0000-000000000000"))
    }

    @Test func entriesExpireLazilyAfterTheirMaximumAge() {
        let record = IdempotencyRecord(limit: 100, maxAge: .seconds(86_400))
        let start = ContinuousClock.now
        let id = "0197a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5b"
        #expect(record.admit(requestID: id, fingerprint: OperationFingerprint(high: 1, low: 1), now: start) == .recorded)
        #expect(
            record.admit(
                requestID: "0197a0b1-c2d3-7e4f-8a9b-0c1d2e3f4a5c", fingerprint: OperationFingerprint(high: 2, low: 2),
                now: start + .seconds(10)) == .recorded)
        let justBefore = start + .seconds(86_400) - .milliseconds(1)
        #expect(record.admit(requestID: id, fingerprint: OperationFingerprint(high: 9, low: 9), now: justBefore) == .differentOperation)
        #expect(record.count == 2, "nothing is dropped before its time, and no timer runs")
        // At its maximum age the entry is gone: the id may name a new operation.
        #expect(record.admit(requestID: id, fingerprint: OperationFingerprint(high: 9, low: 9), now: start + .seconds(86_400)) == .recorded)
        #expect(record.count == 2, "the old entry was dropped when the next request came")
    }

    @Test func theOldestEntryIsForgottenAtTheLimit() {
        let record = IdempotencyRecord(limit: 3, maxAge: .seconds(60))
        let now = ContinuousClock.now
        let ids = (1...4).map { "00000000-0000-4000-8000-00000000000\($0)" }
        for (index, id) in ids.enumerated() {
            #expect(record.admit(requestID: id, fingerprint: OperationFingerprint(high: UInt64(index), low: 0), now: now) == .recorded)
        }
        #expect(record.count == 3)
        // ids[0] was forgotten; ids[1...] are still held.
        #expect(record.admit(requestID: ids[1], fingerprint: OperationFingerprint(high: 99, low: 0), now: now) == .differentOperation)
        #expect(record.admit(requestID: ids[0], fingerprint: OperationFingerprint(high: 99, low: 0), now: now) == .recorded)
        #expect(
            record.admit(requestID: ids[1], fingerprint: OperationFingerprint(high: 99, low: 0), now: now) == .recorded,
            "now ids[1] is the oldest")
    }

    @Test func theRecordStaysWithinItsLimitOverManyEntries() {
        let record = IdempotencyRecord(limit: 1000, maxAge: .seconds(60))
        let now = ContinuousClock.now
        for index in 0..<10_000 {
            let id =
                "00000000-0000-4000-8000-" + String(String(index, radix: 16).reversed()).padding(toLength: 12, withPad: "0", startingAt: 0)
            _ = record.admit(requestID: id, fingerprint: OperationFingerprint(high: UInt64(index), low: 0), now: now)
        }
        #expect(record.count == 1000)
    }
}
