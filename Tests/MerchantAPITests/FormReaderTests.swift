import MerchantAPI
import Testing

@Suite struct FormReaderTests {
    private func urlencoded(_ text: String, _ policy: FormReadingPolicy = .signing) throws(FormReadError) -> [MerchantField] {
        try FormReader.read(body: Array(text.utf8), contentType: "application/x-www-form-urlencoded", policy: policy)
    }

    private func kind(_ body: () throws(FormReadError) -> [MerchantField]) -> FormReadError.Kind? {
        do {
            _ = try body()
            return nil
        } catch { return error.kind }
    }

    @Test func readsURLEncodedFieldsInOrder() throws {
        let fields = try urlencoded("b=2&a=%D0%B7+x&c=&d=%3D%26")
        #expect(
            fields == [
                MerchantField(name: "b", value: "2"), MerchantField(name: "a", value: "з x"), MerchantField(name: "c", value: ""),
                MerchantField(name: "d", value: "=&"),
            ])
        #expect(try urlencoded("") == [])
    }

    @Test(arguments: [
        ("a=1&a=2", FormReadError.Kind.repeatedName), ("a.b=1", .nameRewrittenByPHP), ("a+b=1", .nameRewrittenByPHP),
        ("a%20b=1", .nameRewrittenByPHP), ("a=%ZZ", .invalidPercentEncoding), ("a=%4", .invalidPercentEncoding),
        ("a=%", .invalidPercentEncoding), ("a=%C3%28", .invalidUTF8), ("a=%FF", .invalidUTF8), ("a=%0A", .controlCharacter),
        ("a=%7F", .controlCharacter), ("a=%C2%85", .controlCharacter), ("a=x y", .controlCharacter),
        ("a=1;2", .valueContainsSeparator), ("a=1%3B2", .valueContainsSeparator), ("a=1&&b=2", .emptyOrIncompletePair),
        ("a=1&", .emptyOrIncompletePair), ("a", .emptyOrIncompletePair), ("=1", .emptyName),
    ])
    func strictReadingRefuses(_ body: String, _ expected: FormReadError.Kind) {
        #expect(kind { () throws(FormReadError) in try urlencoded(body) } == expected)
    }

    @Test func rawNonASCIIIsRefusedWhenStrict() {
        let body: [UInt8] = Array("a=".utf8) + [0xD0, 0xB7]
        #expect(kind { () throws(FormReadError) in try FormReader.readURLEncoded(body, policy: .signing) } == .controlCharacter)
    }

    @Test func verifyingKeepsRepeatsSeparatorsAndSkipsEmptyPairs() throws {
        let fields = try urlencoded("a=1;2&&a=3&b&", .verifying)
        #expect(
            fields == [
                MerchantField(name: "a", value: "1;2"), MerchantField(name: "a", value: "3"), MerchantField(name: "b", value: ""),
            ])
        #expect(kind { () throws(FormReadError) in try urlencoded("a=%ZZ", .verifying) } == .invalidPercentEncoding)
    }

    private let multipartType = "multipart/form-data; boundary=XyZ"

    private func multipart(_ text: String, _ policy: FormReadingPolicy = .signing) throws(FormReadError) -> [MerchantField] {
        try FormReader.read(body: Array(text.utf8), contentType: multipartType, policy: policy)
    }

    @Test func readsMultipartFields() throws {
        let body =
            "--XyZ\r\nContent-Disposition: form-data; name=\"pg_amount\"\r\n\r\n25\r\n"
            + "--XyZ\r\ncontent-disposition: form-data; name=\"pg_description\"\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nзаказ\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n--XyZ--\r\n"
        #expect(
            try multipart(body) == [
                MerchantField(name: "pg_amount", value: "25"), MerchantField(name: "pg_description", value: "заказ"),
                MerchantField(name: "empty", value: ""),
            ])
        #expect(
            try FormReader.read(
                body: Array("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--".utf8),
                contentType: "multipart/form-data; boundary=\"b\"", policy: .signing) == [MerchantField(name: "a", value: "1")])
    }

    @Test(arguments: [
        ("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nx\r\n--XyZ--\r\n", FormReadError.Kind.filePart),
        ("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''a\r\n\r\nx\r\n--XyZ--\r\n", .filePart),
        (
            "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n--XyZ--\r\n",
            .unsupportedPartHeader
        ),
        (
            "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\nContent-Transfer-Encoding: base64\r\n\r\neA==\r\n--XyZ--\r\n",
            .unsupportedPartHeader
        ),
        ("preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n--XyZ--\r\n", .malformedMultipart),
        ("--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n--XyZ--\r\nepilogue", .malformedMultipart),
        ("--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n--XyZ", .malformedMultipart),
        ("--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx", .malformedMultipart),
        ("--XyZ\nContent-Disposition: form-data; name=\"f\"\n\nx\n--XyZ--\n", .malformedMultipart),
        ("--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--\r\n", .malformedMultipart),
        ("--XyZ\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\nx\r\n--XyZ--\r\n", .malformedMultipart),
        ("--XyZ\r\nContent-Disposition: form-data; name=f\r\n\r\nx\r\n--XyZ--\r\n", .malformedMultipart),
        ("--XyZ\r\nContent-Disposition: form-data; name=\"a\\\"b\"\r\n\r\nx\r\n--XyZ--\r\n", .malformedMultipart),
        (
            "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\nContent-Disposition: form-data; name=\"g\"\r\n\r\nx\r\n--XyZ--\r\n",
            .malformedMultipart
        ),
        ("--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx;y\r\n--XyZ--\r\n", .valueContainsSeparator),
        (
            "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\ny\r\n--XyZ--\r\n",
            .repeatedName
        ),
        ("--XyZ\r\nContent-Disposition: form-data; name=\"a.b\"\r\n\r\nx\r\n--XyZ--\r\n", .nameRewrittenByPHP),
        ("--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nline\r\nbreak\r\n--XyZ--\r\n", .controlCharacter),
    ])
    func multipartRefuses(_ body: String, _ expected: FormReadError.Kind) {
        #expect(kind { () throws(FormReadError) in try multipart(body) } == expected)
    }

    @Test func multipartRefusesInvalidUTF8() {
        let body: [UInt8] =
            Array("--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n".utf8) + [0xFF] + Array("\r\n--XyZ--\r\n".utf8)
        #expect(
            kind { () throws(FormReadError) in try FormReader.read(body: body, contentType: multipartType, policy: .signing) }
                == .invalidUTF8)
    }

    @Test(arguments: [
        "application/json", "text/plain", "multipart/form-data", "multipart/form-data; boundary=",
        "multipart/form-data; boundary=a; charset=utf-8", "application/x-www-form-urlencoded; charset=latin1",
        "multipart/form-data; boundary=" + String(repeating: "a", count: 71), "multipart/form-data; boundary=a{b",
    ])
    func unsupportedContentTypes(_ contentType: String) {
        #expect(
            kind { () throws(FormReadError) in try FormReader.read(body: [], contentType: contentType, policy: .signing) }
                == .unsupportedContentType)
    }

    @Test func contentTypesAreCaseInsensitiveWithParameters() throws {
        #expect(try FormContentType("Application/X-WWW-Form-Urlencoded; Charset=UTF-8") == .urlEncoded)
        #expect(try FormContentType("multipart/form-data;boundary=----x1") == .multipart(boundary: "----x1"))
    }
}
