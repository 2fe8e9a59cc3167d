/// A small, strict XML 1.0 reader for Merchant API answers and callbacks.
///
/// Accepts one root element of elements and text: an optional `<?xml version="1.0"?>`
/// declaration (encoding UTF-8 only), the five predefined entities and numeric character
/// references. Refuses a DTD (so no other entity can exist), comments, CDATA sections,
/// processing instructions, attributes, namespaces (`:` in names), mixed content and raw
/// control characters, carriage return included: XML 1.0 §2.11 would turn CRLF into LF,
/// and a signed value must be the bytes that were signed. Bounded by `XMLLimits`.
public struct StrictXML {
    private let bytes: [UInt8]
    private let limits: XMLLimits
    private var index = 0
    private var elementCount = 0

    /// Reads a whole document and returns its root element.
    public static func parse(_ bytes: [UInt8], limits: XMLLimits = XMLLimits()) throws(XMLReadError) -> XMLElement {
        guard bytes.count <= limits.maxBytes else { throw XMLReadError(.tooLarge, at: limits.maxBytes) }
        var reader = StrictXML(bytes: bytes, limits: limits)
        try reader.readDeclarationIfPresent()
        try reader.skipMisc()
        guard reader.current == UInt8(ascii: "<") else {
            throw reader.error(.noRootElement)
        }
        let root = try reader.readElement(depth: 1)
        try reader.skipMisc()
        guard reader.index == bytes.count else { throw reader.error(.trailingData) }
        return root
    }

    private init(bytes: [UInt8], limits: XMLLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    private func error(_ kind: XMLReadError.Kind) -> XMLReadError {
        XMLReadError(kind, at: index)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func starts(with literal: String) -> Bool {
        var position = index
        for byte in literal.utf8 {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
        }
        return true
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private mutating func skipWhitespace() {
        while let byte = current, Self.isWhitespace(byte) { index += 1 }
    }

    /// Whitespace around the root; anything markup-like there is refused by kind.
    private mutating func skipMisc() throws(XMLReadError) {
        skipWhitespace()
        try refuseSpecialMarkup()
    }

    private func refuseSpecialMarkup() throws(XMLReadError) {
        if starts(with: "<!DOCTYPE") { throw error(.doctypeNotAllowed) }
        if starts(with: "<!--") { throw error(.commentNotAllowed) }
        if starts(with: "<![CDATA[") { throw error(.cdataNotAllowed) }
        if starts(with: "<!") { throw error(.doctypeNotAllowed) }
        if starts(with: "<?") { throw error(.processingInstructionNotAllowed) }
    }

    // MARK: Declaration (XML 1.0 §2.8): version, then optional encoding and standalone.

    private mutating func readDeclarationIfPresent() throws(XMLReadError) {
        guard starts(with: "<?xml"), index + 5 < bytes.count, Self.isWhitespace(bytes[index + 5]) else { return }
        index += 5
        var seen: [String] = []
        while true {
            skipWhitespace()
            if starts(with: "?>") {
                index += 2
                break
            }
            let name = try readDeclarationName()
            skipWhitespace()
            guard current == UInt8(ascii: "=") else { throw error(.invalidDeclaration) }
            index += 1
            skipWhitespace()
            let value = try readDeclarationValue()
            let order = ["version", "encoding", "standalone"]
            guard let position = order.firstIndex(of: name), !seen.contains(name),
                seen.allSatisfy({ order.firstIndex(of: $0)! < position })
            else { throw error(.invalidDeclaration) }
            switch name {
            case "version": guard value == "1.0" else { throw error(.invalidDeclaration) }
            case "encoding": guard value.lowercased() == "utf-8" else { throw error(.invalidDeclaration) }
            default: guard value == "yes" || value == "no" else { throw error(.invalidDeclaration) }
            }
            seen.append(name)
        }
        guard seen.first == "version" else { throw error(.invalidDeclaration) }
    }

    private mutating func readDeclarationName() throws(XMLReadError) -> String {
        let start = index
        while let byte = current, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) { index += 1 }
        guard index > start else { throw error(.invalidDeclaration) }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func readDeclarationValue() throws(XMLReadError) -> String {
        guard let quote = current, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            throw error(.invalidDeclaration)
        }
        index += 1
        let start = index
        while let byte = current, byte != quote {
            guard byte >= 0x20, byte < 0x7F else { throw error(.invalidDeclaration) }
            index += 1
        }
        guard current == quote else { throw error(.unexpectedEnd) }
        let value = String(decoding: bytes[start..<index], as: UTF8.self)
        index += 1
        return value
    }

    // MARK: Elements

    /// Names: ASCII letters, digits, `_`, `-`, `.`, not starting with a digit, `-` or `.`.
    private mutating func readName() throws(XMLReadError) -> String {
        let start = index
        guard let first = current, Self.isNameStart(first) else {
            throw error(current == nil ? .unexpectedEnd : .invalidName)
        }
        index += 1
        while let byte = current, Self.isNameStart(byte) || Self.isNameRest(byte) { index += 1 }
        if current == UInt8(ascii: ":") { throw error(.invalidName) }
        guard index - start <= limits.maxNameBytes else { throw XMLReadError(.nameTooLong, at: start) }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    static func isNameStart(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || byte == UInt8(ascii: "_")
    }

    static func isNameRest(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    private mutating func readElement(depth: Int) throws(XMLReadError) -> XMLElement {
        guard depth <= limits.maxDepth else { throw error(.tooDeep) }
        elementCount += 1
        guard elementCount <= limits.maxElements else { throw error(.tooManyElements) }
        index += 1  // "<"
        let name = try readName()
        skipWhitespace()
        if starts(with: "/>") {
            index += 2
            return XMLElement(name: name)
        }
        guard let byte = current else { throw error(.unexpectedEnd) }
        guard byte == UInt8(ascii: ">") else { throw error(Self.isNameStart(byte) ? .attributeNotAllowed : .invalidName) }
        index += 1
        var text: [UInt8] = []
        var textIsWhitespace = true
        var children: [XMLElement] = []
        var rawBrackets = 0  // consecutive literal "]" just read, for the "]]>" rule
        var rawCarriageReturnAt: Int?
        while true {
            guard let byte = current else { throw error(.unexpectedEnd) }
            if byte == UInt8(ascii: "<") {
                if starts(with: "</") {
                    index += 2
                    let endName = try readName()
                    guard endName == name else { throw error(.mismatchedEndTag) }
                    skipWhitespace()
                    guard current == UInt8(ascii: ">") else { throw error(current == nil ? .unexpectedEnd : .invalidName) }
                    index += 1
                    break
                }
                try refuseSpecialMarkup()
                children.append(try readElement(depth: depth + 1))
            } else if byte == UInt8(ascii: "&") {
                let scalar = try readReference()
                rawBrackets = 0
                textIsWhitespace = textIsWhitespace && (scalar == 0x20 || scalar == 0x09 || scalar == 0x0A || scalar == 0x0D)
                text.append(contentsOf: Self.utf8(of: scalar))
            } else {
                if byte < 0x20 && !Self.isWhitespace(byte) || byte == 0x7F { throw error(.invalidCharacter) }
                if byte == 0x0D && rawCarriageReturnAt == nil { rawCarriageReturnAt = index }
                if byte == UInt8(ascii: ">") && rawBrackets >= 2 { throw error(.cdataEndInText) }
                rawBrackets = byte == UInt8(ascii: "]") ? rawBrackets + 1 : 0
                textIsWhitespace = textIsWhitespace && Self.isWhitespace(byte)
                text.append(byte)
                index += 1
            }
        }
        if !children.isEmpty {
            guard textIsWhitespace else { throw error(.mixedContent) }
            return XMLElement(name: name, children: children)
        }
        // A raw CR only between child elements; in a value, XML would rewrite it (§2.11).
        if let offset = rawCarriageReturnAt { throw XMLReadError(.invalidCharacter, at: offset) }
        guard let decoded = String(validating: text, as: UTF8.self) else { throw error(.invalidUTF8) }
        try Self.refuseNoncharacters(decoded, at: index)
        return XMLElement(name: name, text: decoded)
    }

    /// U+FFFE and U+FFFF are not XML characters (§2.2); valid UTF-8 excludes surrogates.
    private static func refuseNoncharacters(_ text: String, at offset: Int) throws(XMLReadError) {
        for scalar in text.unicodeScalars where scalar.value == 0xFFFE || scalar.value == 0xFFFF {
            throw XMLReadError(.invalidCharacter, at: offset)
        }
    }

    // MARK: References (XML 1.0 §4.1, §4.6)

    private mutating func readReference() throws(XMLReadError) -> UInt32 {
        let start = index
        index += 1  // "&"
        var body: [UInt8] = []
        while let byte = current, byte != UInt8(ascii: ";") {
            guard body.count < 10, byte == UInt8(ascii: "#") || Self.isNameStart(byte) || Self.isNameRest(byte) else {
                throw XMLReadError(.invalidEntity, at: start)
            }
            body.append(byte)
            index += 1
        }
        guard current == UInt8(ascii: ";") else { throw XMLReadError(current == nil ? .unexpectedEnd : .invalidEntity, at: start) }
        index += 1
        switch String(decoding: body, as: UTF8.self) {
        case "lt": return 0x3C
        case "gt": return 0x3E
        case "amp": return 0x26
        case "quot": return 0x22
        case "apos": return 0x27
        default: break
        }
        guard body.count >= 2, body[0] == UInt8(ascii: "#") else { throw XMLReadError(.invalidEntity, at: start) }
        let hex = body[1] == UInt8(ascii: "x")
        let digits = body[(hex ? 2 : 1)...]
        guard !digits.isEmpty, digits.count <= 7 else { throw XMLReadError(.invalidEntity, at: start) }
        var value: UInt32 = 0
        for digit in digits {
            guard let d = Self.digitValue(digit, hex: hex) else { throw XMLReadError(.invalidEntity, at: start) }
            value = value * (hex ? 16 : 10) + d
        }
        guard Self.isXMLChar(value) else { throw XMLReadError(.invalidCharacterReference, at: start) }
        return value
    }

    private static func digitValue(_ byte: UInt8, hex: Bool) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// XML 1.0 §2.2 `Char`.
    static func isXMLChar(_ value: UInt32) -> Bool {
        value == 0x09 || value == 0x0A || value == 0x0D || (0x20...0xD7FF).contains(value) || (0xE000...0xFFFD).contains(value)
            || (0x10000...0x10FFFF).contains(value)
    }

    private static func utf8(of value: UInt32) -> [UInt8] {
        Array(String(Character(Unicode.Scalar(value)!)).utf8)
    }
}
