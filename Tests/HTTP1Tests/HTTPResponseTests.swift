import HTTP1
import Testing

@Suite struct HTTPResponseTests {
    private func text(_ response: HTTPResponse, keepAlive: Bool = true) -> String {
        String(decoding: response.serialized(keepAlive: keepAlive), as: UTF8.self)
    }

    @Test func statusLineHeadersAndDerivedContentLength() {
        let response = HTTPResponse(status: 200, headers: [HTTPHeader(name: "Content-Type", value: "application/json")], body: bytes("{\"ok\":true}"))
        #expect(text(response) == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}")
    }

    @Test func emptyBodyStillGetsContentLengthZero() {
        #expect(text(HTTPResponse(status: 404)) == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    }

    @Test(arguments: [
        (400, "Bad Request"), (413, "Content Too Large"), (422, "Unprocessable Content"), (428, "Precondition Required"),
        (431, "Request Header Fields Too Large"),
        (501, "Not Implemented"), (505, "HTTP Version Not Supported"), (599, "Status 599"),
    ])
    func reasonPhrases(status: Int, reason: String) {
        #expect(text(HTTPResponse(status: status)).hasPrefix("HTTP/1.1 \(status) \(reason)\r\n"))
    }

    @Test func framingHeadersFromInputAreReplaced() {
        let response = HTTPResponse(
            status: 200,
            headers: [
                HTTPHeader(name: "content-length", value: "999"),
                HTTPHeader(name: "Transfer-Encoding", value: "chunked"),
                HTTPHeader(name: "CONNECTION", value: "keep-alive"),
                HTTPHeader(name: "X-Kept", value: "1"),
            ],
            body: bytes("abc"))
        #expect(text(response) == "HTTP/1.1 200 OK\r\nX-Kept: 1\r\nContent-Length: 3\r\n\r\nabc")
    }

    @Test func keepAliveFalseAddsConnectionClose() {
        let response = HTTPResponse(status: 200, headers: [HTTPHeader(name: "Connection", value: "keep-alive")], body: bytes("x"))
        #expect(text(response, keepAlive: false) == "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx")
        #expect(!text(response, keepAlive: true).contains("Connection"))
    }

    @Test(arguments: [204, 304, 100, 101])
    func statusWithoutContentHasNoBodyAndNoContentLength(status: Int) {
        let serialized = text(HTTPResponse(status: status, headers: [HTTPHeader(name: "X-A", value: "b")], body: bytes("ignored")))
        #expect(serialized.hasSuffix("X-A: b\r\n\r\n"))
        #expect(!serialized.contains("Content-Length"))
        #expect(!serialized.contains("ignored"))
    }

    @Test(arguments: ["a\r\nX-Injected: 1", "a\rb", "a\nb"])
    func headerValueWithCROrLFIsDropped(value: String) {
        let response = HTTPResponse(status: 200, headers: [HTTPHeader(name: "X-Bad", value: value), HTTPHeader(name: "X-Good", value: "ok")])
        #expect(text(response) == "HTTP/1.1 200 OK\r\nX-Good: ok\r\nContent-Length: 0\r\n\r\n")
    }

    @Test(arguments: ["", "Bad Name", "X-A:", "X\r\nY"])
    func headerWithInvalidNameIsDropped(name: String) {
        let response = HTTPResponse(status: 200, headers: [HTTPHeader(name: name, value: "v")])
        #expect(text(response) == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func serializedResponseParsesBackWithItsBody() {
        // The serializer's framing is read back correctly by an HTTP/1.1 framing reader:
        // status line + headers end at the first CRLFCRLF and Content-Length bytes follow.
        let body = bytes("hello")
        let out = HTTPResponse(status: 201, body: body).serialized(keepAlive: true)
        let separator = bytes("\r\n\r\n")
        let end = (0...(out.count - 4)).first { Array(out[$0..<$0 + 4]) == separator }
        #expect(end.map { Array(out[($0 + 4)...]) } == body)
    }

    @Test func continueBytes() {
        #expect(HTTPResponse.continueBytes == bytes("HTTP/1.1 100 Continue\r\n\r\n"))
    }
}
