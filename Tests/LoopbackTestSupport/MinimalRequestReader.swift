import Foundation
import HTTP1

/// A request reader written for the test servers from RFC 9112 §2-§6 alone, sharing no code
/// with the HTTP1 target's parser: a request line, header lines up to an empty one, and a
/// body of exactly Content-Length bytes (the upstream client always sends one). Anything else
/// (Transfer-Encoding, a bad line) is an error, which ends the connection.
public struct MinimalRequestReader {
    public struct Request: Sendable {
        public var method: String
        public var target: String
        public var headers: [HTTPHeader]
        public var body: [UInt8]
        /// HTTP/1.1 without `Connection: close`.
        public var keepAlive: Bool
    }

    public struct Malformed: Error {}

    private var buffer: [UInt8] = []

    public init() {}

    public mutating func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// The next complete request, nil until one is buffered.
    public mutating func next() throws(Malformed) -> Request? {
        guard let end = Self.headEnd(buffer) else { return nil }
        let lines = String(decoding: buffer[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3, !requestLine[0].isEmpty, requestLine[0].unicodeScalars.allSatisfy(Self.isTokenCharacter),
            requestLine[1].hasPrefix("/"), !requestLine[1].unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }),
            requestLine[2] == "HTTP/1.1" || requestLine[2] == "HTTP/1.0"
        else { throw Malformed() }
        var headers: [HTTPHeader] = []
        for line in lines.dropFirst() {
            // RFC 9112 §5: a field name is a token, with no whitespace before the colon; no
            // control characters (a bare CR or LF, NUL) anywhere in the line.
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                line[..<colon].unicodeScalars.allSatisfy(Self.isTokenCharacter),
                !line.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F })
            else { throw Malformed() }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .init(charactersIn: " \t"))
            headers.append(HTTPHeader(name: String(line[..<colon]), value: value))
        }
        func values(_ name: String) -> [String] { headers.filter { $0.name.lowercased() == name }.map(\.value) }
        guard values("transfer-encoding").isEmpty else { throw Malformed() }
        let lengths = values("content-length")
        // RFC 9110 §8.6: Content-Length is 1*DIGIT (so no sign, no space, no list).
        guard lengths.count <= 1, lengths.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let length = lengths.isEmpty ? 0 : Int(lengths[0])
        else { throw Malformed() }
        let bodyStart = end + 4
        guard buffer.count >= bodyStart + length else { return nil }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        let close = values("connection").contains { $0.lowercased() == "close" }
        return Request(
            method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body,
            keepAlive: requestLine[2] == "HTTP/1.1" && !close)
    }

    /// `response` as bytes, written by hand: status line, its headers, Content-Length, and
    /// `Connection: close` when the connection ends after it.
    public static func answer(_ response: HTTPResponse, keepAlive: Bool) -> [UInt8] {
        var text = "HTTP/1.1 \(response.status) \(HTTPResponse.reasonPhrase(for: response.status))\r\n"
        for header in response.headers where header.name.lowercased() != "content-length" {
            text += "\(header.name): \(header.value)\r\n"
        }
        text += "Content-Length: \(response.body.count)\r\n"
        if !keepAlive { text += "Connection: close\r\n" }
        return Array((text + "\r\n").utf8) + response.body
    }

    /// RFC 9110 §5.6.2 tchar.
    private static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII
            && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar))
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}
