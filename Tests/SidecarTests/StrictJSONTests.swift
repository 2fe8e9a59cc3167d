import JSONCore
import Testing

@testable import Sidecar

@Suite struct StrictJSONTests {
    @Test(arguments: [
        #"{}"#, #" {"a" : [1, -0.5e+3, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"]} "#,
        #"{"nested":{"deeper":{"x":[[]]}}}"#, #"{"n":0}"#, #"{"n":-0}"#, #"{"n":1E9}"#,
    ])
    func acceptsValidJSON(_ text: String) throws {
        _ = try StrictJSON.parse(Array(text.utf8))
    }

    @Test(arguments: [
        "", " ", "{", "}", #"{"a":1,}"#, #"{"a":1 "b":2}"#, #"{a:1}"#, #"{'a':1}"#, #"{"a":01}"#, #"{"a":1.}"#,
        #"{"a":.5}"#, #"{"a":+1}"#, #"{"a":1e}"#, #"{"a":NaN}"#, #"{"a":Infinity}"#, #"{"a":tru}"#,
        #"{"a":"\x"}"#, #"{"a":"\ud800"}"#, #"{"a":"\udc00x"}"#, "{\"a\":\"line\nbreak\"}", #"{"a":1}{"#,
        #"{"a":1,"a":2}"#, #"{"x":{"a":1,"a":1}}"#, "\u{FEFF}{}",
        String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: StrictJSON.SyntaxError.self) { try StrictJSON.parse(Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: StrictJSON.SyntaxError.self) { try StrictJSON.parse(Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)) }
    }

    @Test func keepsNumberLiteralsAndDecodesStrings() throws {
        let value = try StrictJSON.parse(Array(#"{"amount":100.50,"s":"\u00e9\ud83d\ude00"}"#.utf8))
        #expect(value == .object(["amount": .number("100.50"), "s": .string("é😀")]))
    }
}

@Suite struct BodyValidatorTests {
    let validator = BodyValidator()

    @Test(arguments: [
        #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100}"#,
        #"{"id":"01978D4F-1A2B-7C3D-8E4F-0123456789AB","amount":0.01}"#,
        #"{"amount":100.5,"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab"}"#,
    ])
    func acceptsRefunds(_ body: String) throws {
        try validator.validate(Array(body.utf8), schema: .refund)
    }

    @Test(arguments: [
        #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789a","amount":100}"#,
        #"{"id":"01978d4f1a2b7c3d8e4f0123456789ab","amount":100}"#,
        #"{"id":null,"amount":100}"#,
        #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":1e-400}"#,
        #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":-0}"#,
        #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":[100]}"#,
        #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab"}"#,
        // Accepted before issue 7 closed the refund schema: an unknown field, and an exponent.
        #"{"id":"01978D4F-1A2B-7C3D-8E4F-0123456789AB","amount":0.01,"extra":{"k":[1]}}"#,
        #"{"amount":1e2,"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab"}"#,
    ])
    func rejectsBadRefunds(_ body: String) {
        #expect(throws: SidecarError.self) { try validator.validate(Array(body.utf8), schema: .refund) }
    }

    @Test func otherRoutesTakeAnyObjectButNotOtherValues() throws {
        try validator.validate(Array(#"{"order_id":"A-1"}"#.utf8), schema: .jsonObject)
        #expect(throws: SidecarError.self) { try validator.validate(Array("[1]".utf8), schema: .jsonObject) }
        #expect(throws: SidecarError.self) { try validator.validate(Array(#""s""#.utf8), schema: .jsonObject) }
    }
}
