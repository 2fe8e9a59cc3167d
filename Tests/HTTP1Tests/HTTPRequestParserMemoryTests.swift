import HTTP1
import Testing

@Suite struct HTTPRequestParserMemoryTests {
    @Test func fixedLengthBodyIsHeldOnceAndTheInputBufferIsFreedAfterIt() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("POST /pay HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello".utf8))
        guard case .head? = try parser.next() else {
            Issue.record("expected the head")
            return
        }
        #expect(parser.bodyMemoryNeeded == 11)
        #expect(try parser.next() == nil)
        parser.append(Array(" world".utf8))
        guard case .request(let request)? = try parser.next() else {
            Issue.record("expected the request")
            return
        }
        #expect(request.body == Array("hello world".utf8))
        // The body left the input buffer whole: nothing of it is kept a second time.
        #expect(parser.inputCapacity == 0)
        #expect(parser.bodyMemoryNeeded == 0)
    }

    @Test func chunkedBodyNeedsItsDecodedStorage() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("POST /pay HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n".utf8))
        guard case .head? = try parser.next() else {
            Issue.record("expected the head")
            return
        }
        #expect(try parser.next() == nil)
        #expect(parser.bodyMemoryNeeded >= 5)
    }

    @Test func discardedInputIsFreedAndNothingMoreIsParsed() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("POST /pay HTTP/1.1\r\nContent-Length: 11\r\n\r\nhel".utf8))
        _ = try parser.next()
        parser.discardInput()
        #expect(parser.inputCapacity == 0)
        #expect(parser.bufferedByteCount == 0)
        #expect(try parser.next() == nil)
    }
}
