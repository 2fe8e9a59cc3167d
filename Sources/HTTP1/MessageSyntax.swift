/// Grammar shared by the request and the response parser. Each parser maps a
/// `MessageSyntax.Error` to its own public error.
enum MessageSyntax {
    enum Error: Swift.Error {
        case obsoleteLineFolding
        case invalidFieldName
        case invalidFieldValue
        case invalidChunkSize
        case chunkSizeOverflow
        case invalidChunkExtension
    }

    /// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5)
    static func parseFieldLine(_ line: ArraySlice<UInt8>) throws(Error) -> HTTPHeader {
        // RFC 9112 §5.2: obs-fold (a line starting with whitespace) is rejected.
        if let first = line.first, ByteClass.isOWS(first) { throw .obsoleteLineFolding }
        guard let colon = line.firstIndex(of: ByteClass.colon) else { throw .invalidFieldName }
        let name = line[line.startIndex..<colon]
        // RFC 9112 §5.1: no whitespace between field name and colon.
        guard !name.isEmpty, name.allSatisfy(ByteClass.isTokenChar) else { throw .invalidFieldName }
        let value = ByteClass.trimmingOWS(line[(colon + 1)...])
        guard value.allSatisfy(ByteClass.isFieldValueChar) else { throw .invalidFieldValue }
        // RFC 9112 §5 / RFC 9110 §5.5: obs-text is opaque data; a String value would silently
        // turn non-UTF-8 bytes into U+FFFD, so such a value is rejected rather than altered.
        guard let valueString = String(validating: value, as: UTF8.self) else {
            throw .invalidFieldValue
        }
        return HTTPHeader(name: String(decoding: name, as: UTF8.self), value: valueString)
    }

    /// chunk-size [ chunk-ext ] (RFC 9112 §7.1, §7.1.1); extensions are validated and ignored.
    static func parseChunkSizeLine(_ line: ArraySlice<UInt8>) throws(Error) -> Int {
        var index = line.startIndex
        var size = 0
        while index < line.endIndex, let digit = ByteClass.hexValue(line[index]) {
            guard size <= (Int.max - digit) / 16 else { throw .chunkSizeOverflow }
            size = size * 16 + digit
            index += 1
        }
        guard index > line.startIndex else { throw .invalidChunkSize }
        try validateChunkExtensions(line[index...])
        return size
    }

    /// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ); strict: no BWS.
    private static func validateChunkExtensions(_ bytes: ArraySlice<UInt8>) throws(Error) {
        var rest = bytes
        while let first = rest.first {
            guard first == UInt8(ascii: ";") else { throw .invalidChunkExtension }
            rest = rest.dropFirst()
            let name = rest.prefix(while: ByteClass.isTokenChar)
            guard !name.isEmpty else { throw .invalidChunkExtension }
            rest = rest.dropFirst(name.count)
            guard rest.first == UInt8(ascii: "=") else { continue }
            rest = rest.dropFirst()
            if rest.first == UInt8(ascii: "\"") {
                rest = try droppingQuotedString(rest)
            } else {
                let value = rest.prefix(while: ByteClass.isTokenChar)
                guard !value.isEmpty else { throw .invalidChunkExtension }
                rest = rest.dropFirst(value.count)
            }
        }
    }

    /// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4)
    private static func droppingQuotedString(_ bytes: ArraySlice<UInt8>) throws(Error) -> ArraySlice<
        UInt8
    > {
        var index = bytes.startIndex + 1
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { return bytes[(index + 1)...] }
            if byte == UInt8(ascii: "\\") {
                index += 1
                guard index < bytes.endIndex, ByteClass.isFieldValueChar(bytes[index]) else {
                    throw .invalidChunkExtension
                }
            } else if !ByteClass.isFieldValueChar(byte) {
                throw .invalidChunkExtension
            }
            index += 1
        }
        throw .invalidChunkExtension
    }

    /// The Transfer-Encoding list elements (RFC 9112 §6.1), compared as ASCII bytes.
    enum TransferCoding {
        /// Exactly one coding, `chunked`.
        case chunkedOnly
        /// `chunked` is the final coding, after others.
        case chunkedAfterOthers
        /// `chunked` is missing or not final (or an empty list element).
        case chunkedNotFinal

        init(_ values: [String]) {
            let elements = ByteClass.listElements(values)
            let isChunked = { (element: ArraySlice<UInt8>) in
                ByteClass.equalsIgnoringASCIICase(element, "chunked")
            }
            if let last = elements.last, isChunked(last) {
                self = elements.count == 1 ? .chunkedOnly : .chunkedAfterOthers
            } else {
                self = .chunkedNotFinal
            }
        }
    }
}
