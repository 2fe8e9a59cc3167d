import HTTP1
import Testing

@Suite struct HTTPResponseParserTests {
    // MARK: Accepted responses

    @Test func contentLengthBody() throws {
        let outcome = parseResponse(
            bytes(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-request-id: 42\r\nContent-Length: 11\r\n\r\n"
                    + "{\"id\":\"1\"}\n"))
        #expect(outcome.error == nil)
        let head = HTTPResponseHead(
            versionMinor: 1, status: 200, reason: "OK",
            headers: [
                HTTPHeader(name: "Content-Type", value: "application/json"),
                HTTPHeader(name: "x-request-id", value: "42"),
                HTTPHeader(name: "Content-Length", value: "11"),
            ])
        #expect(
            outcome.events == [.complete(HTTPParsedResponse(head: head, body: bytes("{\"id\":\"1\"}\n")))]
        )
        #expect(outcome.reusable)
    }

    @Test func statusLineWithoutReasonOrWithEmptyReason() throws {
        let bare = try #require(
            parseResponse(bytes("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")).response)
        #expect(bare.head.status == 200)
        #expect(bare.head.reason == "")
        let empty = try #require(
            parseResponse(bytes("HTTP/1.0 404 \r\nContent-Length: 0\r\n\r\n")).response)
        #expect(empty.head.versionMinor == 0)
        #expect(empty.head.status == 404)
        #expect(empty.head.reason == "")
        let spaced = try #require(
            parseResponse(bytes("HTTP/1.1 502 Bad \tGateway \r\nContent-Length: 0\r\n\r\n")).response)
        #expect(spaced.head.reason == "Bad \tGateway ")
    }

    @Test func fieldsKeepOrderRepeatsAndNameCaseWithOWSTrimmed() throws {
        let outcome = parseResponse(
            bytes(
                "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-A:\t x y \t\r\nset-cookie: b=2\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n"
            ))
        let response = try #require(outcome.response)
        #expect(
            response.head.headers == [
                HTTPHeader(name: "Set-Cookie", value: "a=1"), HTTPHeader(name: "X-A", value: "x y"),
                HTTPHeader(name: "set-cookie", value: "b=2"), HTTPHeader(name: "X-Empty", value: ""),
                HTTPHeader(name: "Content-Length", value: "0"),
            ])
    }

    @Test func utf8FieldValueIsKeptExactly() throws {
        let outcome = parseResponse(
            bytes("HTTP/1.1 200 OK\r\nX-Name: Алматы ✓\r\nContent-Length: 0\r\n\r\n"))
        #expect(outcome.response?.head.headers.first?.value == "Алматы ✓")
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() throws {
        let input = bytes(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"
                + "5;name=value;flag\r\nhello\r\n"
                + "6;quoted=\"a \\\"b\\\" c\"\r\n world\r\n"
                + "A\r\n, chunked!\r\n"
                + "0;last\r\nX-Checksum: 1234\r\nX-Other: yes\r\n\r\n")
        let outcome = parseResponse(input)
        #expect(outcome.error == nil)
        let response = try #require(outcome.response)
        #expect(response.body == bytes("hello world, chunked!"))
        // Trailers are parsed and dropped.
        #expect(response.head.headers == [HTTPHeader(name: "Transfer-Encoding", value: "Chunked")])
        #expect(outcome.reusable)
    }

    @Test func closeDelimitedBodyEndsWithInput() throws {
        let input = bytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
        let waiting = parseResponse(input)
        #expect(waiting.events.isEmpty)
        #expect(waiting.error == nil)
        let ended = parseResponse(input, endInput: true)
        #expect(ended.error == nil)
        #expect(ended.response?.body == bytes("until the end"))
        #expect(!ended.reusable)
        // An empty close-delimited body is a body too.
        let empty = parseResponse(bytes("HTTP/1.0 200 OK\r\n\r\n"), endInput: true)
        #expect(empty.response?.body == [])
    }

    @Test func interimResponsesAreBoundedInNumber() {
        let interim = "HTTP/1.1 102 Processing\r\n\r\n"
        let answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        let atLimit = parseResponse(
            Array((String(repeating: interim, count: 3) + answer).utf8), limits: HTTPResponseLimits(maxInterimResponses: 3))
        #expect(atLimit.interims.count == 3)
        #expect(atLimit.response?.body == Array("ok".utf8))
        let overLimit = parseResponse(
            Array((String(repeating: interim, count: 4) + answer).utf8), limits: HTTPResponseLimits(maxInterimResponses: 3))
        #expect(overLimit.error == .tooManyInterimResponses)
        #expect(overLimit.response == nil)
    }

    @Test func interimResponsesThenTheAnswer() throws {
        let input = bytes(
            "HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
        let outcome = parseResponse(input)
        #expect(outcome.error == nil)
        #expect(
            outcome.interims == [
                HTTPResponseHead(status: 100, reason: "Continue"),
                HTTPResponseHead(
                    status: 103, reason: "Early Hints",
                    headers: [HTTPHeader(name: "Link", value: "</style.css>; rel=preload")]),
            ])
        #expect(outcome.events.count == 3)
        #expect(outcome.response?.head.status == 201)
        #expect(outcome.response?.body == bytes("ok"))
        #expect(outcome.reusable)
    }

    @Test func switchingProtocolsIsRefused() {
        let outcome = parseResponse(
            bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"))
        #expect(outcome.error == .unexpectedSwitchingProtocols)
    }

    @Test func noContentAndNotModifiedHaveNoBody() throws {
        for status in ["204 No Content", "304 Not Modified"] {
            let clean = parseResponse(bytes("HTTP/1.1 \(status)\r\nContent-Length: 10\r\n\r\n"))
            #expect(clean.response?.body == [])
            #expect(clean.reusable)
            // Bytes after such a response are not its body: they stay buffered, and the
            // connection is not reused.
            let stray = parseResponse(bytes("HTTP/1.1 \(status)\r\n\r\nXYZ"))
            #expect(stray.error == nil)
            #expect(stray.events.count == 1)
            #expect(stray.response?.body == [])
            #expect(!stray.reusable)
        }
    }

    @Test func responseToHeadHasNoBodyWhateverItsLength() throws {
        let input = bytes("HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n")
        let outcome = parseResponse(input, requestWasHead: true)
        #expect(
            outcome.response
                == HTTPParsedResponse(
                    head: HTTPResponseHead(
                        status: 200, reason: "OK",
                        headers: [HTTPHeader(name: "Content-Length", value: "999999999")])))
        #expect(outcome.reusable)
        let chunked = parseResponse(
            bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), requestWasHead: true)
        #expect(chunked.response?.body == [])
        // The same head for a GET waits for its body (and its length is over the limit).
        #expect(parseResponse(input).error == .bodyTooLarge)
    }

    @Test func identicalContentLengthRepeatsAreOneLength() throws {
        let lines = parseResponse(
            bytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"))
        #expect(lines.response?.body == bytes("abc"))
        let list = parseResponse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 3 ,3, 3\r\n\r\nabc"))
        #expect(list.response?.body == bytes("abc"))
        #expect(list.reusable)
    }

    // MARK: Framing errors (RFC 9112 §6)

    @Test func differentContentLengthsAreRejected() {
        #expect(
            parseResponse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"))
                .error == .conflictingContentLength)
        #expect(
            parseResponse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabcd")).error
                == .conflictingContentLength)
        #expect(
            parseResponse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 3, 03\r\n\r\nabc")).error
                == .conflictingContentLength)
    }

    @Test func malformedContentLengthIsRejected() {
        for value in ["", "-1", "+3", "3 3", "0x10", "3,", ",3", "99999999999999999999", "١"] {
            let outcome = parseResponse(bytes("HTTP/1.1 200 OK\r\nContent-Length: \(value)\r\n\r\n"))
            #expect(outcome.error == .invalidContentLength, "\(value)")
        }
    }

    @Test func contentLengthWithTransferEncodingIsRejected() {
        let outcome = parseResponse(
            bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
        #expect(outcome.error == .contentLengthWithTransferEncoding)
    }

    @Test func onlyChunkedAloneIsAcceptedAsTransferEncoding() {
        for codings in [
            "gzip, chunked", "chunked, gzip", "gzip", "chunked, chunked", ", chunked", "chunked;q=1",
            "identity",
        ] {
            let outcome = parseResponse(
                bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: \(codings)\r\n\r\n0\r\n\r\n"))
            #expect(outcome.error == .unsupportedTransferEncoding, "\(codings)")
        }
        let twoLines = parseResponse(
            bytes(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        )
        #expect(twoLines.error == .unsupportedTransferEncoding)
    }

    @Test func kelvinSignIsNotK() {
        // U+212A KELVIN SIGN lowercases to "k" in Unicode; token comparison is ASCII only.
        let outcome = parseResponse(
            bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chun\u{212A}ed\r\n\r\n0\r\n\r\n"))
        #expect(outcome.error == .unsupportedTransferEncoding)
        let upper = parseResponse(
            bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n"))
        #expect(upper.response?.body == [])
    }

    @Test func transferEncodingInHTTP10IsRejected() {
        let outcome = parseResponse(
            bytes("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
        #expect(outcome.error == .transferEncodingInHTTP10)
    }

    @Test func badChunkSizes() {
        let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        let cases: [(String, HTTPResponseParseError)] = [
            ("zz\r\n", .invalidChunkSize),
            ("\r\n", .invalidChunkSize),
            ("-1\r\n", .invalidChunkSize),
            (" 1\r\nx\r\n", .invalidChunkSize),
            ("0x1\r\nx\r\n", .invalidChunkExtension),
            // 2^64 does not fit; the digits are rejected before any data is awaited.
            ("10000000000000000\r\n", .invalidChunkSize),
            ("7fffffffffffffff\r\n", .bodyTooLarge),
            (String(repeating: "0", count: 2000) + "1\r\nx\r\n", .invalidChunkSize),
            ("3;\r\nabc\r\n", .invalidChunkExtension),
            ("3 ;a=b\r\nabc\r\n", .invalidChunkExtension),
            ("3;a=\"open\r\nabc\r\n", .invalidChunkExtension),
            ("3\r\nabcX\r\n", .missingChunkDataCRLF),
            ("3\r\nabc\rX", .missingChunkDataCRLF),
            ("3\r\nabc\n0\r\n\r\n", .missingChunkDataCRLF),
            ("3\nabc\r\n", .bareLineFeedOrCarriageReturn),
        ]
        for (chunks, error) in cases {
            #expect(parseResponse(bytes(head + chunks)).error == error, "\(chunks.prefix(30))")
        }
    }

    @Test func trailersFollowTheFieldRules() {
        let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
        #expect(parseResponse(bytes(head + "Bad Name: x\r\n\r\n")).error == .invalidHeaderName)
        #expect(parseResponse(bytes(head + "X: a\r\n folded\r\n\r\n")).error == .obsoleteLineFolding)
        #expect(parseResponse(bytes(head + "X: \u{1}\r\n\r\n")).error == .invalidHeaderValue)
    }

    // MARK: Status line and field syntax

    @Test func malformedStatusLines() {
        let cases: [(String, HTTPResponseParseError)] = [
            ("HTTP/2.0 200 OK", .unsupportedVersion),
            ("HTTP/1.2 200 OK", .unsupportedVersion),
            ("HTTP/0.9 200 OK", .unsupportedVersion),
            ("http/1.1 200 OK", .invalidStatusLine),
            ("HTTP/1.1  200 OK", .invalidStatusLine),
            ("HTTP/1.1 20 OK", .invalidStatusLine),
            ("HTTP/1.1 2000 OK", .invalidStatusLine),
            ("HTTP/1.1 200\tOK", .invalidStatusLine),
            ("HTTP/1.1 2x0 OK", .invalidStatusLine),
            ("HTTP/1.1 099 Low", .invalidStatus),
            ("HTTP/1.1 600 High", .invalidStatus),
            ("HTTP/1.1 200 O\u{7F}K", .invalidStatusLine),
            ("HTTP/1.1", .invalidStatusLine),
            ("", .invalidStatusLine),
            (" HTTP/1.1 200 OK", .invalidStatusLine),
        ]
        for (line, error) in cases {
            #expect(
                parseResponse(bytes(line + "\r\nContent-Length: 0\r\n\r\n")).error == error, "\(line)")
        }
        // A reason phrase that is not UTF-8 could not be passed on unchanged.
        #expect(
            parseResponse(bytes("HTTP/1.1 200 ") + [0xC0, 0x80] + bytes("\r\n\r\n")).error
                == .invalidStatusLine)
    }

    @Test func obsoleteLineFoldingIsRejected() {
        let outcome = parseResponse(
            bytes("HTTP/1.1 200 OK\r\nX-Long: a\r\n\tb\r\nContent-Length: 0\r\n\r\n"))
        #expect(outcome.error == .obsoleteLineFolding)
    }

    @Test func bareLineFeedOrCarriageReturnInTheHeadIsRejected() {
        let cases = [
            "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n",
            "HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\r\n",
        ]
        for input in cases {
            #expect(
                parseResponse(bytes(input)).error == .bareLineFeedOrCarriageReturn,
                "\(input.debugDescription)")
        }
    }

    @Test func invalidFieldNamesAndValues() {
        let prefix = bytes("HTTP/1.1 200 OK\r\n")
        let suffix = bytes("\r\nContent-Length: 0\r\n\r\n")
        let cases: [([UInt8], HTTPResponseParseError)] = [
            (bytes("X-A : b"), .invalidHeaderName),
            (bytes(": b"), .invalidHeaderName),
            (bytes("X(A): b"), .invalidHeaderName),
            (bytes("no colon"), .invalidHeaderName),
            (bytes("X-A: b\u{0}c"), .invalidHeaderValue),
            (bytes("X-A: b\u{7F}"), .invalidHeaderValue),
            // Not UTF-8: a lone continuation byte, an overlong NUL, a cut sequence.
            (bytes("X-A: ") + [0x80], .invalidHeaderValue),
            (bytes("X-A: ") + [0xC0, 0x80], .invalidHeaderValue),
            (bytes("X-A: ") + [0xE2, 0x9C], .invalidHeaderValue),
            (bytes("X-A: ") + [0xE9] + bytes("t\u{E9}"), .invalidHeaderValue),
        ]
        for (field, error) in cases {
            #expect(parseResponse(prefix + field + suffix).error == error, "\(field)")
        }
    }

    // MARK: Limits

    @Test func headerSectionLimit() {
        let input = bytes("HTTP/1.1 200 OK\r\nX-A: 0123456789\r\nContent-Length: 0\r\n\r\n")
        let exact = HTTPResponseLimits(maxHeaderBytes: input.count)
        #expect(parseResponse(input, limits: exact).response != nil)
        let under = HTTPResponseLimits(maxHeaderBytes: input.count - 1)
        #expect(parseResponse(input, limits: under).error == .headerTooLarge)
        // Also without the end of the line in sight.
        let endless =
            bytes("HTTP/1.1 200 OK\r\nX-A: ") + Array(repeating: UInt8(ascii: "a"), count: 100)
        #expect(
            parseResponse(endless, limits: HTTPResponseLimits(maxHeaderBytes: 64)).error
                == .headerTooLarge)
    }

    @Test func headerCountLimit() {
        let limits = HTTPResponseLimits(maxHeaderCount: 2)
        #expect(
            parseResponse(bytes("HTTP/1.1 200 OK\r\nA: 1\r\nContent-Length: 0\r\n\r\n"), limits: limits)
                .response != nil)
        #expect(
            parseResponse(
                bytes("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 0\r\n\r\n"), limits: limits
            ).error == .tooManyHeaders)
        let trailers = bytes(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")
        #expect(parseResponse(trailers, limits: limits).error == .tooManyHeaders)
    }

    @Test func bodyLimitIsCheckedAsBytesArrive() {
        let limits = HTTPResponseLimits(maxBodyBytes: 4)
        // Content-Length over the limit fails on the head alone.
        #expect(
            parseResponse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), limits: limits).error
                == .bodyTooLarge)
        #expect(
            parseResponse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd"), limits: limits)
                .response?.body == bytes("abcd"))
        // Chunked: the size line that would cross the limit fails before its data.
        let chunked = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\n")
        #expect(parseResponse(chunked, limits: limits).error == .bodyTooLarge)
        // Close-delimited: as soon as the fifth byte arrives, before the peer closes.
        let open = bytes("HTTP/1.1 200 OK\r\n\r\nabcd")
        #expect(parseResponse(open, limits: limits, endInput: true).response?.body == bytes("abcd"))
        #expect(
            parseResponse(open + bytes("e"), limits: limits, feeding: .bytewise).error == .bodyTooLarge)
    }

    // MARK: Truncation and end of input

    static let completeResponses: [(String, [UInt8], Bool)] = [
        ("content-length", bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), false),
        (
            "chunked",
            bytes(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nhe\r\n3\r\nllo\r\n0\r\nT: 1\r\n\r\n"
            ), false
        ),
        (
            "interim",
            bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), false
        ),
        ("no-content", bytes("HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n"), false),
        ("head", bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), true),
    ]

    @Test func responseCutAtAnyByteIsTruncated() throws {
        for (name, input, head) in Self.completeResponses {
            let whole = parseResponse(input, requestWasHead: head, endInput: true)
            #expect(whole.error == nil, "\(name)")
            #expect(parseResponse([], requestWasHead: head, endInput: true).error == .noResponse)
            for cut in 1..<input.count {
                let outcome = parseResponse(Array(input[..<cut]), requestWasHead: head, endInput: true)
                #expect(outcome.error == .truncated, "\(name) cut at \(cut)")
                #expect(outcome.response == nil, "\(name) cut at \(cut)")
            }
        }
    }

    @Test func closeDelimitedResponseCutAfterTheHeadIsComplete() throws {
        let head = bytes("HTTP/1.1 200 OK\r\nX-A: b\r\n\r\n")
        let input = head + bytes("body bytes")
        for cut in 1..<input.count {
            let outcome = parseResponse(Array(input[..<cut]), endInput: true)
            if cut < head.count {
                #expect(outcome.error == .truncated, "cut at \(cut)")
            } else {
                #expect(outcome.response?.body == Array(input[head.count..<cut]), "cut at \(cut)")
                #expect(!outcome.reusable)
            }
        }
    }

    @Test func noByteAtAllIsNoResponse() throws {
        var parser = HTTPResponseParser()
        parser.append([UInt8]())
        #expect(!parser.hasReceivedBytes)
        #expect(try parser.next() == nil)
        #expect(throws: HTTPResponseParseError.noResponse) { try parser.inputEnded() }
        var started = HTTPResponseParser()
        started.append(bytes("H"))
        #expect(started.hasReceivedBytes)
        #expect(throws: HTTPResponseParseError.truncated) { try started.inputEnded() }
    }

    @Test func afterCompleteNextIsNilAndInputEndedRepeatsTheResponse() throws {
        var parser = HTTPResponseParser()
        parser.append(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
        #expect(!parser.connectionReusable)
        let event = try parser.next()
        guard case .complete(let response) = event else {
            Issue.record("expected .complete, got \(String(describing: event))")
            return
        }
        #expect(try parser.next() == nil)
        #expect(parser.connectionReusable)
        #expect(try parser.inputEnded() == response)
        // Bytes arriving later are not another response: the connection cannot be reused.
        parser.append(bytes("HTTP/1.1 200 OK\r\n"))
        #expect(try parser.next() == nil)
        #expect(!parser.connectionReusable)
    }

    @Test func inputEndedCompletesBufferedResponseAndSkipsInterims() throws {
        var parser = HTTPResponseParser()
        parser.append(
            bytes("HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
        let response = try parser.inputEnded()
        #expect(response.head.status == 200)
        #expect(response.body == bytes("ok"))
    }

    @Test func errorsAreSticky() throws {
        var parser = HTTPResponseParser()
        parser.append(bytes("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"))
        #expect(throws: HTTPResponseParseError.invalidContentLength) { try parser.next() }
        parser.append(bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
        #expect(throws: HTTPResponseParseError.invalidContentLength) { try parser.next() }
        #expect(throws: HTTPResponseParseError.invalidContentLength) { try parser.inputEnded() }
    }

    @Test func rawBufferAppendParsesLikeAnArray() throws {
        let input = bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        var parser = HTTPResponseParser()
        input.withUnsafeBytes { parser.append($0) }
        #expect(parser.hasReceivedBytes)
        #expect(try parser.next() == parseResponse(input).events.first)
    }

    /// Each input fails on bytes that hold a marker; the error (its message, description and
    /// reflection) must not repeat it, so nothing the upstream sent reaches a log or an answer.
    static let failingInputsWithMarker: [(String, HTTPResponseParseError)] = [
        ("HTTP/1.1 2Z9QX OK\r\n\r\n", .invalidStatusLine),
        ("HTTP/9.9 200 ZQX\r\n\r\n", .unsupportedVersion),
        ("HTTP/1.1 200 OK\r\nX-ZQX\u{1}: v\r\n\r\n", .invalidHeaderName),
        ("HTTP/1.1 200 OK\r\nX-A: ZQX\u{7F}\r\n\r\n", .invalidHeaderValue),
        ("HTTP/1.1 200 OK\r\nX-A: 1\r\n ZQX\r\n\r\n", .obsoleteLineFolding),
        ("HTTP/1.1 200 OK\r\nContent-Length: ZQX\r\n\r\n", .invalidContentLength),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: ZQX, chunked\r\n\r\n", .unsupportedTransferEncoding),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZQX\r\n", .invalidChunkSize),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nZQXZ\r\n", .missingChunkDataCRLF),
    ]

    @Test func messagesAreShortAndCarryNoMessageBytes() {
        let all: [HTTPResponseParseError] = [
            .noResponse, .truncated, .invalidStatusLine, .unsupportedVersion, .invalidStatus, .unexpectedSwitchingProtocols,
            .invalidHeaderName, .invalidHeaderValue, .obsoleteLineFolding, .bareLineFeedOrCarriageReturn, .invalidContentLength,
            .conflictingContentLength, .contentLengthWithTransferEncoding, .unsupportedTransferEncoding, .transferEncodingInHTTP10,
            .invalidChunkSize, .invalidChunkExtension, .missingChunkDataCRLF, .headerTooLarge, .tooManyHeaders, .bodyTooLarge,
            .tooManyInterimResponses,
        ]
        for error in all {
            #expect(!error.message.isEmpty && error.message.count < 80, "\(error)")
        }
        #expect(Set(all.map(\.message)).count == all.count, "each error has its own message")
        for (input, expected) in Self.failingInputsWithMarker {
            let outcome = parseResponse(bytes(input))
            let error = outcome.error
            #expect(error == expected, "\(input.debugDescription)")
            for text in [error?.message ?? "", "\(String(describing: error))", String(reflecting: error)] {
                #expect(!text.contains("ZQX"), "\(input.debugDescription) → \(text)")
            }
        }
    }

    // MARK: Incremental input

    static let splitInputs: [(String, [UInt8])] = [
        (
            "chunked",
            bytes(
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n"
                    + "4;a=\"q\\\"\"\r\nwiki\r\n5\r\npedia\r\n0\r\nT: v\r\n\r\n")
        ),
        (
            "content-length",
            bytes("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc")
        ),
        ("stray", bytes("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\nHTTP/1.1 200 OK\r\n")),
        ("close-delimited", bytes("HTTP/1.1 200 OK\r\n\r\nopen ended")),
        ("bare-cr", bytes("HTTP/1.1 200 OK\r\nX: 1\r\r\n\r\n")),
        (
            "bad-chunk-end",
            bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n")
        ),
        ("folded", bytes("HTTP/1.1 200 OK\r\nX: 1\r\n 2\r\n\r\n")),
    ]

    @Test func byteByByteAndEverySplitGiveTheSameOutcome() {
        for (name, input) in Self.splitInputs {
            for end in [false, true] {
                let whole = parseResponse(input, endInput: end)
                #expect(
                    parseResponse(input, feeding: .bytewise, endInput: end) == whole, "\(name) bytewise")
                for at in 0...input.count {
                    #expect(
                        parseResponse(input, feeding: .split(at), endInput: end) == whole,
                        "\(name) split at \(at)")
                }
            }
        }
    }

    // MARK: Connection reuse (RFC 9112 §9.3)

    @Test func connectionReuseRules() {
        let cases: [(String, Bool)] = [
            ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true),
            ("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false),
            ("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n", false),
            ("HTTP/1.1 200 OK\r\nConnection: x\r\nconnection: Close\r\nContent-Length: 0\r\n\r\n", false),
            ("HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n", true),
            ("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false),
            ("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true),
            ("HTTP/1.0 200 OK\r\nConnection: upgrade, KEEP-ALIVE\r\nContent-Length: 0\r\n\r\n", true),
            ("HTTP/1.0 200 OK\r\nConnection: \u{212A}eep-alive\r\nContent-Length: 0\r\n\r\n", false),
            ("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n", false),
        ]
        for (input, reusable) in cases {
            let outcome = parseResponse(bytes(input), endInput: true)
            #expect(outcome.error == nil)
            #expect(outcome.reusable == reusable, "\(input.debugDescription)")
        }
    }
}
