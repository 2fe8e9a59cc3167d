import MerchantAPI
import Testing

/// The one urlencoder the sidecar's signed forms and the sandbox's callbacks share: RFC 3986
/// §2.3 unreserved bytes as they are, every other byte %XX in upper-case hex.
@Suite struct FormEncodingTests {
    @Test func unreservedBytesStayAndEveryOtherByteIsPercentEncoded() {
        let fields = [
            MerchantField(name: "pg_receipt_positions[0][name]", value: "Mouse pad; 2+2=4 & ~ok_-."),
            MerchantField(name: "note", value: "заказ/#?%"), MerchantField(name: "empty", value: ""),
        ]
        let expected: [UInt8] = Array(
            ("pg_receipt_positions%5B0%5D%5Bname%5D=Mouse%20pad%3B%202%2B2%3D4%20%26%20~ok_-."
                + "&note=%D0%B7%D0%B0%D0%BA%D0%B0%D0%B7%2F%23%3F%25&empty=").utf8)
        #expect(FormEncoding.urlEncoded(fields) == expected)
        #expect(FormEncoding.urlEncodedText(fields) == String(decoding: expected, as: UTF8.self))
        #expect(FormEncoding.urlEncoded([]) == [])
    }

    @Test func whatItWritesReadsBackAsTheSameFields() throws {
        let fields = [MerchantField(name: "a", value: "x y\u{00E9}"), MerchantField(name: "b", value: "1.5")]
        let read = try FormReader.readURLEncoded(FormEncoding.urlEncoded(fields), policy: .signing)
        #expect(read == fields)
    }
}
