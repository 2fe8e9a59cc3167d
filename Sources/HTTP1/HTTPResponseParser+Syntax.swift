extension HTTPResponseParser {
    /// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4); a
    /// missing SP after the status code is accepted too.
    static func parseStatusLine(_ line: ArraySlice<UInt8>) throws(HTTPResponseParseError)
        -> HTTPResponseHead
    {
        let chars = Array(line)
        // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3)
        guard chars.count >= 12, chars[0..<5].elementsEqual("HTTP/".utf8),
            chars[6] == UInt8(ascii: "."),
            let major = ByteClass.decimalValue(chars[5]), let minor = ByteClass.decimalValue(chars[7]),
            chars[8] == ByteClass.space
        else { throw .invalidStatusLine }
        guard major == 1, minor <= 1 else { throw .unsupportedVersion }
        // status-code = 3DIGIT (RFC 9112 §4); RFC 9110 §15: 100–599.
        guard let status = ByteClass.decimalNumber(chars[9..<12]) else { throw .invalidStatusLine }
        guard (100...599).contains(status) else { throw .invalidStatus }
        // RFC 9110 §15.2.2: we never ask to upgrade, so a 101 cannot be followed.
        guard status != 101 else { throw .unexpectedSwitchingProtocols }
        var reason = ""
        if chars.count > 12 {
            guard chars[12] == ByteClass.space else { throw .invalidStatusLine }
            // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ); kept as a String, so only
            // valid UTF-8 is accepted (it must round-trip exactly).
            let phrase = chars[13...]
            guard phrase.allSatisfy(ByteClass.isFieldValueChar),
                let text = String(validating: phrase, as: UTF8.self)
            else { throw .invalidStatusLine }
            reason = text
        }
        return HTTPResponseHead(versionMinor: minor, status: status, reason: reason)
    }

    /// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5)
    static func parseField(_ line: ArraySlice<UInt8>) throws(HTTPResponseParseError) -> HTTPHeader {
        do throws(MessageSyntax.Error) {
            return try MessageSyntax.parseFieldLine(line)
        } catch {
            switch error {
            case .obsoleteLineFolding: throw .obsoleteLineFolding
            case .invalidFieldName: throw .invalidHeaderName
            default: throw .invalidHeaderValue
            }
        }
    }

    /// chunk-size [ chunk-ext ] (RFC 9112 §7.1, §7.1.1); extensions are validated and ignored.
    static func parseChunkSize(_ line: ArraySlice<UInt8>) throws(HTTPResponseParseError) -> Int {
        do throws(MessageSyntax.Error) {
            return try MessageSyntax.parseChunkSizeLine(line)
        } catch {
            throw error == .invalidChunkExtension ? .invalidChunkExtension : .invalidChunkSize
        }
    }

    /// Content-Length = 1*DIGIT (RFC 9110 §8.6); repeated lines or a list are accepted only
    /// when every value is byte-identical (RFC 9112 §6.3 (5)). `nil` when absent.
    static func contentLength(_ values: [String]) throws(HTTPResponseParseError) -> Int? {
        let elements = ByteClass.listElements(values)
        guard let first = elements.first else { return nil }
        guard let length = ByteClass.decimalNumber(first) else { throw .invalidContentLength }
        for element in elements.dropFirst() {
            guard ByteClass.decimalNumber(element) != nil else { throw .invalidContentLength }
            guard element.elementsEqual(first) else { throw .conflictingContentLength }
        }
        return length
    }
}
