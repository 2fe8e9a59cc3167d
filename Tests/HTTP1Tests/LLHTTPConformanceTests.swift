import Foundation
import HTTP1
import LoopbackTestSupport
import Testing

// Data-driven tests from llhttp's request test cases (loaded by LoopbackTestSupport's
// LLHTTPCases). Only strict `"type": "request"` cases are used; cases whose meta asks for
// `pause` or `skipBody` exercise llhttp callback features and are left out.

extension ConformanceCase: CustomTestStringConvertible {
    public var testDescription: String { name }
}

// MARK: - Deviations, each asserted

/// Requests llhttp accepts that this parser deliberately refuses. Each refusal is safe for a
/// payment sidecar (it fails closed, with the stated error), and each is asserted below.
let strictDeviations: [String: (error: HTTPParseError, reason: String)] = [
    "method: REPORT request": (.methodNotImplemented, "WebDAV method the sidecar does not implement: 501"),
    "method: CONNECT request": (.methodNotImplemented, "no tunnels: bytes after CONNECT are not HTTP (RFC 9110 §9.3.6)"),
    "method: CONNECT request with CAPS": (.methodNotImplemented, "no tunnels (CONNECT)"),
    "method: CONNECT with body": (.methodNotImplemented, "no tunnels; CONNECT has no content, so its Content-Length cannot frame a body"),
    "uri: Underscore in hostname": (.methodNotImplemented, "no tunnels (CONNECT)"),
    "method: M-SEARCH request": (.methodNotImplemented, "SSDP method, not implemented: 501"),
    "method: PURGE request": (.methodNotImplemented, "cache-purge method, not implemented: 501"),
    "method: SEARCH request": (.methodNotImplemented, "WebDAV method, not implemented: 501"),
    "method: LINK request": (.methodNotImplemented, "LINK, not implemented: 501"),
    "method: LINK request #2": (.methodNotImplemented, "UNLINK, not implemented: 501"),
    "method: SOURCE request": (.methodNotImplemented, "Icecast method, not implemented: 501"),
    "method: QUERY request": (.methodNotImplemented, "draft method, not implemented: 501"),
    "method: SOURCE request with ICE": (.invalidRequestLine, "ICE/1.0 is not an HTTP-version"),
    "method: OPTIONS request with RTSP": (.invalidRequestLine, "RTSP/1.0 is not an HTTP-version"),
    "method: ANNOUNCE request with RTSP": (.invalidRequestLine, "RTSP/1.0 is not an HTTP-version"),
    "sample: No HTTP version": (.invalidRequestLine, "HTTP/0.9 simple requests are not served"),
    "sample: 255 ASCII in header value": (.invalidHeaderValue, "obs-text byte 0xFF is not UTF-8; refused rather than altered to U+FFFD"),
    "transfer-encoding: POST with `chunked` as last transfer-encoding":
        (.unsupportedTransferEncoding, "deflate coding not implemented: 501 (RFC 9112 §6.1)"),
    "transfer-encoding: POST with `chunked` as last transfer-encoding (multiple headers)":
        (.unsupportedTransferEncoding, "deflate coding not implemented: 501 (RFC 9112 §6.1)"),
]

/// Cases llhttp rejects mid-line that this parser has not rejected by the end of the input:
/// it validates a line (and the framing headers) once the line (the head) is complete, so it
/// is still waiting and has produced no request. The test also checks that ending the head
/// with CRLF CRLF makes the parser reject each of them.
let rejectedByWaiting: Set<String> = [
    "invalid: Invalid HTTP version",  // "GET / HTTP/5.6" has no CRLF: the line is never complete
    "invalid: Invalid space after start line",  // " Host: foo" (obs-fold) has no CRLF yet
    "content-length: Error on `Content-Length` overflow",  // head not terminated by an empty line
    "content-length: Error on duplicate `Content-Length`",  // head not terminated by an empty line
]

// MARK: - Tests

@Suite struct LLHTTPConformanceTests {
    static let cases: [ConformanceCase] = (try? LLHTTPCases.load()) ?? []

    @Test func theStrictCasesAreLoaded() throws {
        let loaded = try LLHTTPCases.load()
        #expect(loaded.count == 120)
        let names = Set(loaded.map(\.name))
        #expect(names.count == loaded.count, "case names must be unique")
        for name in strictDeviations.keys {
            let c = loaded.first { $0.name == name }
            #expect(c != nil, "deviation \(name) names no strict case")
            #expect(c.map { !$0.completedMessages.isEmpty } == true, "deviation \(name): llhttp does not accept it")
        }
        for name in rejectedByWaiting {
            let c = loaded.first { $0.name == name }
            #expect(c.map { if case .rejected = $0.verdict { true } else { false } } == true, "\(name) is not a rejected case")
        }
    }

    @Test(arguments: cases)
    func llhttpCase(_ c: ConformanceCase) throws {
        let whole = parseWhole(c.input)
        // Incremental parsing must not change anything.
        #expect(parseBytewise(c.input) == whole, "byte-at-a-time parse differs")

        if let deviation = strictDeviations[c.name] {
            #expect(whole.error == deviation.error, "deviation (\(deviation.reason)) not rejected as listed")
            #expect(whole.requests.count < c.completedMessages.count)
            return
        }

        let expected = c.completedMessages
        #expect(
            whole.requests.count == expected.count,
            "expected \(expected.count) complete request(s), got \(whole.requests.count); error: \(String(describing: whole.error))")
        for (request, message) in zip(whole.requests, expected) {
            compare(request.head, message)
            #expect(request.body == message.body, "body: \(String(decoding: request.body, as: UTF8.self))")
        }
        // A head is only ever emitted for a header section llhttp also completed.
        let heads = c.messagesWithHead
        #expect(whole.heads.count <= heads.count, "emitted a head llhttp rejected")
        for (head, message) in zip(whole.heads, heads) { compare(head, message) }

        switch c.verdict {
        case .accepted:
            #expect(whole.error == nil)
            #expect(whole.heads.count == heads.count, "every head llhttp completed is emitted")
        case .rejected(let code, let reason):
            if rejectedByWaiting.contains(c.name) {
                #expect(whole.error == nil, "listed as waiting, but rejected: update rejectedByWaiting")
                let ended = parseWhole(c.input + Array("\r\n\r\n".utf8))
                #expect(ended.error != nil, "not rejected even once the head ends")
                #expect(ended.requests.count == expected.count)
            } else {
                #expect(whole.error != nil, "llhttp rejects (code \(code): \(reason)); parser accepts or waits")
            }
        case .paused:
            break  // Bytes after the pause are not HTTP to llhttp; nothing to compare.
        }
    }

    private func compare(_ head: HTTPRequestHead, _ message: ExpectedMessage) {
        #expect(Array(head.method.utf8) == message.method, "method \(head.method)")
        #expect(Array(head.target.utf8) == message.target, "target \(head.target)")
        let fields = head.headers.map { ConformanceField(name: Array($0.name.utf8), value: Array($0.value.utf8)) }
        #expect(fields == message.fields)
    }
}

