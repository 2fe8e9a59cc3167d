import Foundation
import HTTP1
import Testing

// Data-driven tests from llhttp's request test cases (Conformance/llhttp/*.md, see
// Conformance/README.md). Only strict `"type": "request"` cases are used; cases whose meta
// asks for `pause` or `skipBody` exercise llhttp callback features and are left out.

/// One message as llhttp's log describes it.
struct ExpectedMessage: Sendable, Equatable {
    var method: [UInt8] = []
    var target: [UInt8] = []
    var fields: [ConformanceField] = []
    var body: [UInt8] = []
    var headersComplete = false
    var messageComplete = false
}

/// A header field as bytes, so a comparison can never hide a decoding difference.
struct ConformanceField: Sendable, Equatable, CustomStringConvertible {
    var name: [UInt8]
    var value: [UInt8]
    var description: String { "\(String(decoding: name, as: UTF8.self)): \(String(decoding: value, as: UTF8.self))" }
}

enum LLHTTPVerdict: Sendable, Equatable {
    /// No error line: every byte was consumed as HTTP.
    case accepted
    /// llhttp stopped with an error after the messages it completed.
    case rejected(code: Int, reason: String)
    /// llhttp paused for CONNECT/Upgrade/PRI: the bytes after that point are another protocol.
    case paused(reason: String)
}

struct ConformanceCase: Sendable, CustomTestStringConvertible {
    /// `file: ## heading / ### heading`, with ` #n` for repeated names.
    var name: String
    var input: [UInt8]
    var messages: [ExpectedMessage]
    var verdict: LLHTTPVerdict
    var testDescription: String { name }

    var completedMessages: [ExpectedMessage] { messages.filter(\.messageComplete) }
    var messagesWithHead: [ExpectedMessage] { messages.filter(\.headersComplete) }
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

// MARK: - Reading the markdown

enum LLHTTPCases {
    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    static func load() throws -> [ConformanceCase] {
        guard let root = Bundle.module.url(forResource: "Conformance", withExtension: nil) else {
            throw FormatError(description: "Conformance resource missing")
        }
        let directory = root.appendingPathComponent("llhttp")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".md") }.sorted()
        var cases: [ConformanceCase] = []
        var seen: [String: Int] = [:]
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            for var c in try parse(markdown: text, file: String(file.dropLast(3))) {
                seen[c.name, default: 0] += 1
                if let n = seen[c.name], n > 1 { c.name += " #\(n)" }
                cases.append(c)
            }
        }
        return cases
    }

    static func parse(markdown: String, file: String) throws -> [ConformanceCase] {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var h2: String?, h3: String?
        var cases: [ConformanceCase] = []
        var i = 0
        while i < lines.count {
            let line = lines[i]
            if line.hasPrefix("## ") {
                h2 = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
                h3 = nil
            } else if line.hasPrefix("### ") {
                h3 = String(line.dropFirst(4)).trimmingCharacters(in: .whitespaces)
            } else if line.hasPrefix("<!-- meta="), line.hasSuffix("-->") {
                let json = line.dropFirst("<!-- meta=".count).dropLast("-->".count)
                guard let meta = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
                    throw FormatError(description: "\(file): bad meta \(line)")
                }
                let (http, afterHTTP) = try block("http", in: lines, from: i + 1, file: file)
                let (log, afterLog) = try block("log", in: lines, from: afterHTTP, file: file)
                i = afterLog
                let strict = meta["type"] as? String == "request" && meta["pause"] == nil && meta["skipBody"] == nil
                guard strict else { continue }
                let name = "\(file): " + [h2, h3].compactMap { $0 }.joined(separator: " / ")
                let (messages, verdict) = try parse(log: log, name: name)
                cases.append(ConformanceCase(name: name, input: decode(http: http), messages: messages, verdict: verdict))
                continue
            }
            i += 1
        }
        return cases
    }

    /// The lines of the next ```kind block, and the index after its closing fence.
    private static func block(_ kind: String, in lines: [String], from start: Int, file: String) throws -> ([String], Int) {
        guard let open = lines[start...].firstIndex(where: { $0 == "```" + kind }),
              let close = lines[(open + 1)...].firstIndex(of: "```")
        else { throw FormatError(description: "\(file): no ```\(kind) block after line \(start)") }
        return (Array(lines[(open + 1)..<close]), close + 1)
    }

    /// llhttp's test input rules: a line break is CRLF, a trailing `\` joins two lines, and
    /// `\r`, `\n`, `\t`, `\f`, `\xNN` and octal `\NNN` are single bytes.
    static func decode(http lines: [String]) -> [UInt8] {
        var text: [UInt8] = []
        for (index, line) in lines.enumerated() {
            let isLast = index == lines.count - 1
            if !isLast, line.hasSuffix("\\") {
                text += Array(line.utf8.dropLast())
            } else {
                text += Array(line.utf8)
                if !isLast { text += [0x0D, 0x0A] }
            }
        }
        var out: [UInt8] = []
        var i = 0
        func isOctal(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "7") }
        func hex(_ b: UInt8) -> UInt8? { UInt8(String(UnicodeScalar(b)), radix: 16) }
        while i < text.count {
            guard text[i] == UInt8(ascii: "\\"), i + 1 < text.count else {
                out.append(text[i]); i += 1; continue
            }
            let next = text[i + 1]
            switch next {
            case UInt8(ascii: "r"): out.append(0x0D); i += 2
            case UInt8(ascii: "n"): out.append(0x0A); i += 2
            case UInt8(ascii: "t"): out.append(0x09); i += 2
            case UInt8(ascii: "f"): out.append(0x0C); i += 2
            case UInt8(ascii: "x") where i + 3 < text.count && hex(text[i + 2]) != nil && hex(text[i + 3]) != nil:
                out.append(hex(text[i + 2])! << 4 | hex(text[i + 3])!); i += 4
            case _ where isOctal(next):
                var value = 0, j = i + 1
                while j < text.count, j < i + 4, isOctal(text[j]) {
                    value = value * 8 + Int(text[j] - UInt8(ascii: "0")); j += 1
                }
                out.append(UInt8(truncatingIfNeeded: value)); i = j
            default:
                out.append(text[i]); i += 1
            }
        }
        return out
    }

    /// Messages, spans and the verdict from an llhttp log. Header spans after `headers
    /// complete` are trailers, which the parser under test drops, so they are not kept.
    static func parse(log: [String], name: String) throws -> ([ExpectedMessage], LLHTTPVerdict) {
        var messages: [ExpectedMessage] = []
        var field: [UInt8] = [], value: [UInt8] = []
        for line in log {
            guard let space = line.firstIndex(of: " "), line.hasPrefix("off=") else {
                throw FormatError(description: "\(name): bad log line \(line)")
            }
            let event = line[line.index(after: space)...]
            if event == "message begin" {
                messages.append(ExpectedMessage())
                continue
            }
            if event.hasPrefix("error code=") {
                let parts = event.dropFirst("error code=".count).split(separator: " ", maxSplits: 1)
                let code = Int(parts[0]) ?? -1
                let reason = parts.count > 1 ? String(parts[1].dropFirst("reason=\"".count).dropLast()) : ""
                return (messages, reason.hasPrefix("Pause on") ? .paused(reason: reason) : .rejected(code: code, reason: reason))
            }
            guard !messages.isEmpty else { continue }
            let inTrailers = messages[messages.count - 1].headersComplete
            switch event {
            case "header_value complete":
                if !inTrailers { messages[messages.count - 1].fields.append(ConformanceField(name: field, value: trimmingOWS(value))) }
                field = []; value = []
            case _ where event.hasPrefix("headers complete"):
                messages[messages.count - 1].headersComplete = true
            case "message complete":
                messages[messages.count - 1].messageComplete = true
            case _ where event.hasPrefix("len="):
                let (kind, bytes) = try span(String(event), name: name)
                switch kind {
                case "method": messages[messages.count - 1].method += bytes
                case "url": messages[messages.count - 1].target += bytes
                case "header_field": field += bytes
                case "header_value": value += bytes
                case "body": messages[messages.count - 1].body += bytes
                default: break  // protocol, version, chunk extensions
                }
            default:
                break
            }
        }
        return (messages, .accepted)
    }

    /// `len=L span[kind]="value"`; the log writes tab and form feed as `\t` and `\f`.
    private static func span(_ event: String, name: String) throws -> (String, [UInt8]) {
        guard let open = event.range(of: " span["), let close = event.range(of: "]=\"", range: open.upperBound..<event.endIndex),
              event.hasSuffix("\""), let length = Int(event[event.index(event.startIndex, offsetBy: 4)..<open.lowerBound])
        else { throw FormatError(description: "\(name): bad span \(event)") }
        let kind = String(event[open.upperBound..<close.lowerBound])
        let raw = event[close.upperBound..<event.index(before: event.endIndex)]
        let bytes = Array(raw.replacingOccurrences(of: "\\t", with: "\t").replacingOccurrences(of: "\\f", with: "\u{0C}").utf8)
        guard bytes.count == length else { throw FormatError(description: "\(name): span length \(length) != \(bytes.count) in \(event)") }
        return (kind, bytes)
    }

    /// RFC 9112 §5: OWS around a field value is not part of it; llhttp keeps trailing OWS.
    private static func trimmingOWS(_ bytes: [UInt8]) -> [UInt8] {
        var slice = bytes[...]
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        return Array(slice)
    }
}
