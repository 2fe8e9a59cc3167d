import HTTP1
import Testing

@Suite struct HTTPRequestParserTests {
    // MARK: Accepted requests

    @Test func simpleGET() throws {
        let outcome = parseWhole(bytes("GET /status?x=1 HTTP/1.1\r\nHost: sidecar\r\nAccept: */*\r\n\r\n"))
        #expect(outcome.error == nil)
        let head = HTTPRequestHead(
            method: "GET", target: "/status?x=1", versionMajor: 1, versionMinor: 1,
            headers: [HTTPHeader(name: "Host", value: "sidecar"), HTTPHeader(name: "Accept", value: "*/*")])
        #expect(outcome.events == [.head(head), .request(HTTPRequest(head: head, body: []))])
        #expect(head.path == "/status")
    }

    @Test func postWithContentLengthBody() throws {
        let outcome = parseWhole(bytes("POST /pay HTTP/1.1\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world"))
        #expect(outcome.error == nil)
        let request = try #require(outcome.requests.first)
        #expect(outcome.requests.count == 1)
        #expect(request.head.method == "POST")
        #expect(request.head.target == "/pay")
        #expect(request.head.headers.first(named: "content-type") == "text/plain")
        #expect(request.body == bytes("hello world"))
    }

    @Test func fieldValueOWSIsTrimmedAndNameCaseKept() throws {
        let outcome = parseWhole(bytes("GET / HTTP/1.1\r\nX-Trace-ID: \t abc def \t\r\n\r\n"))
        let head = try #require(outcome.heads.first)
        #expect(head.headers == [HTTPHeader(name: "X-Trace-ID", value: "abc def")])
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() throws {
        let input = bytes(
            "POST /upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value;flag\r\nhello\r\n"
                + "6;quoted=\"a \\\"b\\\" c\"\r\n world\r\n"
                + "A\r\n, chunked!\r\n"
                + "0;last\r\nX-Checksum: 1234\r\nX-Other: yes\r\n\r\n")
        let outcome = parseWhole(input)
        #expect(outcome.error == nil)
        let request = try #require(outcome.requests.first)
        #expect(String(decoding: request.body, as: UTF8.self) == "hello world, chunked!")
        // Trailers are parsed and dropped: only the header section remains.
        #expect(request.head.headers == [HTTPHeader(name: "Transfer-Encoding", value: "chunked")])
    }

    @Test func pipelinedRequestsAreSeparateEventsInOrder() throws {
        let input = bytes(
            "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nAAA"
                + "GET /b HTTP/1.1\r\n\r\n"
                + "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nCC\r\n0\r\n\r\n")
        let outcome = parseWhole(input)
        #expect(outcome.error == nil)
        let kinds = outcome.events.map { event -> String in
            switch event {
            case .head(let h): "head \(h.target)"
            case .request(let r): "request \(r.head.target)"
            }
        }
        #expect(kinds == ["head /a", "request /a", "head /b", "request /b", "head /c", "request /c"])
        #expect(outcome.requests.map(\.body) == [bytes("AAA"), [], bytes("CC")])
    }

    @Test func requestFedOneByteAtATimeGivesTheSameEvents() throws {
        let input = bytes(
            "\r\nPOST /a?q=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3;x=\"y\"\r\nabc\r\n0\r\nT: v\r\n\r\n"
                + "POST /b HTTP/1.1\r\nContent-Length: 4\r\n\r\nwxyz")
        let whole = parseWhole(input)
        let bytewise = parseBytewise(input)
        #expect(whole.error == nil)
        #expect(whole.requests.count == 2)
        #expect(bytewise == whole)
    }

    @Test func expectContinueEmitsHeadBeforeBodyArrives() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes("POST /pay HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"))
        guard case .head(let head)? = try parser.next() else {
            Issue.record("expected .head before any body byte")
            return
        }
        #expect(head.expectsContinue)
        #expect(try parser.next() == nil)
        parser.append(bytes("12"))
        #expect(try parser.next() == nil)
        parser.append(bytes("345"))
        guard case .request(let request)? = try parser.next() else {
            Issue.record("expected .request once the body is complete")
            return
        }
        #expect(request.body == bytes("12345"))
        #expect(try parser.next() == nil)
    }

    @Test(arguments: [
        ("HTTP/1.1", "Expect: 100-continue\r\n", true),
        ("HTTP/1.1", "Expect: 100-Continue\r\n", true),
        ("HTTP/1.1", "", false),
        // RFC 9110 §10.1.1: a server ignores 100-continue from an HTTP/1.0 client.
        ("HTTP/1.0", "Expect: 100-continue\r\n", false),
    ])
    func expectsContinue(version: String, header: String, expected: Bool) throws {
        let outcome = parseWhole(bytes("POST / \(version)\r\nContent-Length: 1\r\n\(header)\r\n"))
        let head = try #require(outcome.heads.first)
        #expect(head.expectsContinue == expected)
    }

    @Test(arguments: [
        ("HTTP/1.1", "", true),
        ("HTTP/1.1", "Connection: keep-alive\r\n", true),
        ("HTTP/1.1", "Connection: close\r\n", false),
        ("HTTP/1.1", "Connection: Upgrade, CLOSE\r\n", false),
        ("HTTP/1.0", "", false),
        ("HTTP/1.0", "Connection: keep-alive\r\n", true),
        ("HTTP/1.0", "Connection: Keep-Alive\r\n", true),
        ("HTTP/1.0", "Connection: close\r\n", false),
        // U+212A KELVIN SIGN is not "k": this is not keep-alive.
        ("HTTP/1.0", "Connection: \u{212A}eep-alive\r\n", false),
    ])
    func keepAlive(version: String, header: String, expected: Bool) throws {
        let outcome = parseWhole(bytes("GET / \(version)\r\n\(header)\r\n"))
        let request = try #require(outcome.requests.first)
        #expect(request.head.keepAlive == expected)
        #expect(request.head.versionMinor == (version == "HTTP/1.0" ? 0 : 1))
    }

    @Test func leadingEmptyLinesAreIgnoredUpToTheLimit() throws {
        let limits = HTTPParserLimits(maxLeadingEmptyLines: 2)
        #expect(parseWhole(bytes("\r\n\r\nGET / HTTP/1.1\r\n\r\n"), limits: limits).requests.count == 1)
        #expect(parseWhole(bytes("\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n"), limits: limits).error == .invalidRequestLine)
    }

    @Test func incompleteInputWaits() throws {
        for input in ["GET / HTTP/1.1\r\nHost: a\r", "GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\nab"] {
            let outcome = parseWhole(bytes(input))
            #expect(outcome.error == nil)
            #expect(outcome.requests.isEmpty)
        }
    }

    // MARK: Rejections

    struct Rejection: CustomTestStringConvertible, Sendable {
        var name: String
        var input: String
        var error: HTTPParseError
        var testDescription: String { name }
    }

    static let rejections: [Rejection] = [
        .init(name: "Transfer-Encoding with Content-Length",
              input: "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
              error: .contentLengthWithTransferEncoding),
        .init(name: "Content-Length after Transfer-Encoding",
              input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
              error: .contentLengthWithTransferEncoding),
        .init(name: "duplicate Content-Length, same value",
              input: "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nA",
              error: .duplicateContentLength),
        .init(name: "duplicate Content-Length, different values",
              input: "POST / HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\nAB",
              error: .duplicateContentLength),
        .init(name: "Content-Length list 1,1", input: "POST / HTTP/1.1\r\nContent-Length: 1,1\r\n\r\nA", error: .invalidContentLength),
        .init(name: "Content-Length with plus sign", input: "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nA", error: .invalidContentLength),
        .init(name: "Content-Length negative", input: "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\nA", error: .invalidContentLength),
        .init(name: "Content-Length with inner space", input: "POST / HTTP/1.1\r\nContent-Length: 1 0\r\n\r\n", error: .invalidContentLength),
        .init(name: "Content-Length hex", input: "POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", error: .invalidContentLength),
        .init(name: "Content-Length empty", input: "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", error: .invalidContentLength),
        .init(name: "Content-Length overflow",
              input: "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n",
              error: .invalidContentLength),
        .init(name: "obs-fold (space)", input: "GET / HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n", error: .obsoleteLineFolding),
        .init(name: "obs-fold (tab)", input: "GET / HTTP/1.1\r\nX-A: one\r\n\ttwo\r\n\r\n", error: .obsoleteLineFolding),
        .init(name: "space before colon", input: "GET / HTTP/1.1\r\nHost : a\r\n\r\n", error: .invalidHeaderName),
        .init(name: "tab before colon", input: "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", error: .invalidHeaderName),
        .init(name: "header line without colon", input: "GET / HTTP/1.1\r\nHost\r\n\r\n", error: .invalidHeaderName),
        .init(name: "empty header name", input: "GET / HTTP/1.1\r\n: a\r\n\r\n", error: .invalidHeaderName),
        .init(name: "control character in header value", input: "GET / HTTP/1.1\r\nX-A: a\u{01}b\r\n\r\n", error: .invalidHeaderValue),
        .init(name: "bare LF after request line", input: "GET / HTTP/1.1\nHost: a\r\n\r\n", error: .bareLineFeedOrCarriageReturn),
        .init(name: "bare LF after header", input: "GET / HTTP/1.1\r\nHost: a\n\r\n", error: .bareLineFeedOrCarriageReturn),
        .init(name: "bare LF as end of head", input: "GET / HTTP/1.1\r\nHost: a\r\n\n", error: .bareLineFeedOrCarriageReturn),
        .init(name: "bare CR in request line", input: "GET /\r HTTP/1.1\r\n\r\n", error: .bareLineFeedOrCarriageReturn),
        .init(name: "bare CR in header value", input: "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", error: .bareLineFeedOrCarriageReturn),
        .init(name: "invalid method character", input: "GE(T / HTTP/1.1\r\n\r\n", error: .invalidMethod),
        .init(name: "lowercase method is not GET", input: "get / HTTP/1.1\r\n\r\n", error: .methodNotImplemented),
        .init(name: "CONNECT is not implemented", input: "CONNECT example.com:443 HTTP/1.1\r\n\r\n", error: .methodNotImplemented),
        .init(name: "two spaces after method", input: "GET  / HTTP/1.1\r\n\r\n", error: .invalidTarget),
        .init(name: "target with space", input: "GET /a b HTTP/1.1\r\n\r\n", error: .invalidRequestLine),
        .init(name: "target with tab", input: "GET /a\tb HTTP/1.1\r\n\r\n", error: .invalidTarget),
        .init(name: "target with control byte", input: "GET /a\u{7F}b HTTP/1.1\r\n\r\n", error: .invalidTarget),
        .init(name: "target with 8-bit byte", input: "GET /caf\u{E9} HTTP/1.1\r\n\r\n", error: .invalidTarget),
        .init(name: "missing version", input: "GET /\r\n\r\n", error: .invalidRequestLine),
        .init(name: "lowercase version", input: "GET / http/1.1\r\n\r\n", error: .invalidRequestLine),
        .init(name: "trailing space after version", input: "GET / HTTP/1.1 \r\n\r\n", error: .invalidRequestLine),
        .init(name: "HTTP/2.0", input: "GET / HTTP/2.0\r\n\r\n", error: .unsupportedVersion),
        .init(name: "HTTP/1.2", input: "GET / HTTP/1.2\r\n\r\n", error: .unsupportedVersion),
        .init(name: "Transfer-Encoding gzip, chunked", input: "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
              error: .unsupportedTransferEncoding),
        .init(name: "Transfer-Encoding chunked, gzip", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
              error: .invalidChunk),
        .init(name: "Transfer-Encoding chunked twice", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
              error: .unsupportedTransferEncoding),
        // U+212A KELVIN SIGN lowercases to "k" in Unicode; codings are compared as ASCII bytes.
        .init(name: "Transfer-Encoding with a Kelvin sign", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chun\u{212A}ed\r\n\r\n0\r\n\r\n",
              error: .invalidChunk),
        .init(name: "Transfer-Encoding in HTTP/1.0", input: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
              error: .unsupportedTransferEncoding),
        .init(name: "bad chunk size", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", error: .invalidChunk),
        .init(name: "empty chunk size", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", error: .invalidChunk),
        .init(name: "space before chunk extension (BWS)", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1 ;a=b\r\nA\r\n0\r\n\r\n",
              error: .invalidChunk),
        .init(name: "unterminated quoted chunk extension", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\"b\r\nA\r\n0\r\n\r\n",
              error: .invalidChunk),
        .init(name: "missing CRLF after chunk data", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n",
              error: .invalidChunk),
        .init(name: "chunk size overflow", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n",
              error: .bodyTooLarge),
        .init(name: "invalid trailer field", input: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer: x\r\n\r\n",
              error: .invalidHeaderName),
        .init(name: "request after Connection: close",
              input: "GET /a HTTP/1.1\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
              error: .dataAfterConnectionClose),
        .init(name: "request after HTTP/1.0 without keep-alive",
              input: "GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.0\r\n\r\n",
              error: .dataAfterConnectionClose),
    ]

    @Test(arguments: rejections)
    func rejects(_ rejection: Rejection) {
        let input = bytes(rejection.input)
        let outcome = parseWhole(input)
        #expect(outcome.error == rejection.error)
        // No request in the rejected part may ever be emitted, however the bytes arrive.
        #expect(outcome.requests.allSatisfy { $0.head.target == "/a" })
        #expect(parseBytewise(input).error == rejection.error)
    }

    @Test func statusCodesOfErrors() {
        #expect(HTTPParseError.unsupportedVersion.status == 505)
        #expect(HTTPParseError.unsupportedTransferEncoding.status == 501)
        #expect(HTTPParseError.methodNotImplemented.status == 501)
        #expect(HTTPParseError.invalidChunk.status == 400)
        #expect(HTTPParseError.headerTooLarge.status == 431)
        #expect(HTTPParseError.tooManyHeaders.status == 431)
        #expect(HTTPParseError.bodyTooLarge.status == 413)
        #expect(HTTPParseError.contentLengthWithTransferEncoding.status == 400)
    }

    // MARK: Limits

    @Test func headOverLimitIsHeaderTooLarge() {
        let limits = HTTPParserLimits(maxHeaderBytes: 64)
        let filler = String(repeating: "a", count: 40)
        // The complete head is 70 bytes, over the 64-byte limit.
        let complete = parseWhole(bytes("GET / HTTP/1.1\r\nX-Filler: \(filler)\r\n\r\n"), limits: limits)
        #expect(complete.error == .headerTooLarge)
        #expect(complete.error?.status == 431)
        // A head that never ends is refused as soon as it passes the limit, without its CRLF.
        let endless = parseWhole(bytes("GET / HTTP/1.1\r\nX-Filler: " + String(repeating: "b", count: 100)), limits: limits)
        #expect(endless.error == .headerTooLarge)
        // At exactly the limit it is accepted: the limit is not off by one.
        let exact = "GET / HTTP/1.1\r\nX: " + String(repeating: "c", count: 64 - 16 - 3 - 4) + "\r\n\r\n"
        #expect(exact.utf8.count == 64)
        #expect(parseWhole(bytes(exact), limits: limits).requests.count == 1)
    }

    @Test func defaultHeadLimitIs16KiB() {
        let request = "GET / HTTP/1.1\r\nX-Big: " + String(repeating: "x", count: 16 * 1024) + "\r\n\r\n"
        let outcome = parseWhole(bytes(request))
        #expect(outcome.error == .headerTooLarge)
        #expect(outcome.events.isEmpty)
    }

    @Test func tooManyHeaders() {
        let limits = HTTPParserLimits(maxHeaderCount: 3)
        let three = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
        #expect(parseWhole(bytes(three), limits: limits).requests.count == 1)
        let four = parseWhole(bytes("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"), limits: limits)
        #expect(four.error == .tooManyHeaders)
        #expect(four.error?.status == 431)
    }

    @Test func bodyOverLimitViaContentLengthIsRefusedBeforeTheBodyArrives() {
        let limits = HTTPParserLimits(maxBodyBytes: 10)
        var parser = HTTPRequestParser(limits: limits)
        parser.append(bytes("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n"))
        #expect(throws: HTTPParseError.bodyTooLarge) { try parser.next() }
        #expect(HTTPParseError.bodyTooLarge.status == 413)
        #expect(parseWhole(bytes("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789"), limits: limits).requests.count == 1)
        // The default limit is 64 KiB.
        #expect(parseWhole(bytes("POST / HTTP/1.1\r\nContent-Length: 65537\r\n\r\n")).error == .bodyTooLarge)
        #expect(parseWhole(bytes("POST / HTTP/1.1\r\nContent-Length: 65536\r\n\r\n")).error == nil)
    }

    @Test func bodyOverLimitViaChunks() {
        let limits = HTTPParserLimits(maxBodyBytes: 10)
        let head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        let atLimit = parseWhole(bytes(head + "5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n"), limits: limits)
        #expect(atLimit.requests.first?.body.count == 10)
        // The second chunk's size line alone pushes the total over: refused before its data.
        let over = parseWhole(bytes(head + "5\r\n01234\r\n6\r\n"), limits: limits)
        #expect(over.error == .bodyTooLarge)
        #expect(over.error?.status == 413)
    }

    // MARK: Failure is final

    @Test func parserStaysFailedAfterAnError() {
        var parser = HTTPRequestParser()
        parser.append(bytes("GET / HTTP/1.1\r\nBad Header: x\r\n\r\n"))
        #expect(throws: HTTPParseError.invalidHeaderName) { try parser.next() }
        parser.append(bytes("GET / HTTP/1.1\r\n\r\n"))
        #expect(throws: HTTPParseError.invalidHeaderName) { try parser.next() }
        #expect(throws: HTTPParseError.invalidHeaderName) { try parser.next() }
        #expect(!parser.isAtMessageBoundary)
    }

    @Test func closedConnectionIsAMessageBoundaryUntilMoreBytesArrive() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"))
        #expect(!parser.isAtMessageBoundary)
        guard case .head? = try parser.next(), case .request(let request)? = try parser.next() else {
            Issue.record("expected the request")
            return
        }
        #expect(!request.head.keepAlive)
        #expect(try parser.next() == nil)
        #expect(parser.isAtMessageBoundary)
        parser.append(bytes("G"))
        #expect(throws: HTTPParseError.dataAfterConnectionClose) { try parser.next() }
    }

    @Test func nonUTF8FieldValueIsRejectedRatherThanAltered() {
        var input = bytes("GET / HTTP/1.1\r\nX-A: ")
        input += [0xFF, 0x41]
        input += bytes("\r\n\r\n")
        #expect(parseWhole(input).error == .invalidHeaderValue)
        let utf8 = parseWhole(bytes("GET / HTTP/1.1\r\nX-A: D\u{FC}sseldorf\r\n\r\n"))
        #expect(utf8.requests.first?.head.headers.first?.value == "D\u{FC}sseldorf")
    }
}
