import Foundation

// llhttp's request test cases (Conformance/llhttp/*.md, MIT; see Conformance/README.md) as
// data, shared by the parser's conformance tests and the end-to-end "never forwarded" test.

/// One message as llhttp's log describes it.
public struct ExpectedMessage: Sendable, Equatable {
    public var method: [UInt8] = []
    public var target: [UInt8] = []
    public var fields: [ConformanceField] = []
    public var body: [UInt8] = []
    public var headersComplete = false
    public var messageComplete = false
}

/// A header field as bytes, so a comparison can never hide a decoding difference.
public struct ConformanceField: Sendable, Equatable, CustomStringConvertible {
    public var name: [UInt8]
    public var value: [UInt8]
    public var description: String { "\(String(decoding: name, as: UTF8.self)): \(String(decoding: value, as: UTF8.self))" }

    public init(name: [UInt8], value: [UInt8]) {
        self.name = name
        self.value = value
    }
}

public enum LLHTTPVerdict: Sendable, Equatable {
    /// No error line: every byte was consumed as HTTP.
    case accepted
    /// llhttp stopped with an error after the messages it completed.
    case rejected(code: Int, reason: String)
    /// llhttp paused for CONNECT/Upgrade/PRI: the bytes after that point are another protocol.
    case paused(reason: String)
}

public struct ConformanceCase: Sendable, CustomStringConvertible {
    /// `file: ## heading / ### heading`, with ` #n` for repeated names.
    public var name: String
    public var input: [UInt8]
    public var messages: [ExpectedMessage]
    public var verdict: LLHTTPVerdict
    public var description: String { name }

    public var completedMessages: [ExpectedMessage] { messages.filter(\.messageComplete) }
    public var messagesWithHead: [ExpectedMessage] { messages.filter(\.headersComplete) }
}

// MARK: - Reading the markdown

public enum LLHTTPCases {
    public struct FormatError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Every strict request case, named after its headings.
    public static func load() throws -> [ConformanceCase] {
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

    public static func parse(markdown: String, file: String) throws -> [ConformanceCase] {
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
    public static func decode(http lines: [String]) -> [UInt8] {
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
    public static func parse(log: [String], name: String) throws -> ([ExpectedMessage], LLHTTPVerdict) {
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
