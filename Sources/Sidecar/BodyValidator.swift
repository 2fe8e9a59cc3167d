import JSONCore

/// Checks a body against its schema before it is signed. The bytes themselves are
/// forwarded untouched; this only decides whether they may be.
///
/// A signing proxy must not pass on bytes that another decoder could read differently, so
/// a closed schema refuses everything it does not name — including keys that only differ
/// from a known one in ASCII case or hold control or non-ASCII characters — and every
/// message says what was received, quoted with `BodyValidator.quote` (at most
/// `quoteLimit` bytes, control and non-ASCII characters escaped).
struct BodyValidator: Sendable {
    /// The most bytes of a received key or value that an error message repeats.
    static let quoteLimit = 40
    /// 2^53: from here on a double no longer holds every integer.
    private static let exactIntegerLimit = 9_007_199_254_740_992.0

    /// The parsed body, for `OperationFingerprint`, once it fits `schema`.
    @discardableResult
    func validate(_ body: [UInt8], schema: BodySchema) throws(SidecarError) -> JSONValue {
        let value: JSONValue
        do {
            value = try StrictJSON.parse(body)
        } catch {
            throw .invalidBody("body is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .object(let members) = value else {
            throw .invalidBody("body must be a JSON object, got \(Self.kind(of: value))")
        }
        if let closed = schema.closedFields {
            try validate(members, closed: closed, schema: schema)
        } else {
            try validateOpen(value, path: [])
        }
        return value
    }

    // MARK: Closed schemas

    /// `prefix` is the dotted path of a nested object ("from.card."), empty at the top.
    private func validate(
        _ members: [String: JSONValue], closed: ClosedFields, schema: BodySchema, prefix: String = ""
    ) throws(SidecarError) {
        let names = closed.fields.map(\.name)
        // Sorted, so that the same body always gets the same message. Known names match by bytes, not
        // String ==, which is canonical equivalence (U+212A KELVIN SIGN == "K").
        for key in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        where !names.contains(where: { $0.utf8.elementsEqual(key.utf8) }) {
            if key.unicodeScalars.contains(where: Self.isControl) {
                throw .invalidBody("field name \(Self.quote(prefix + key)) holds a control character")
            }
            if !key.utf8.allSatisfy({ $0 < 0x80 }) {
                throw .invalidBody("field name \(Self.quote(prefix + key)) holds a non-ASCII character")
            }
            if let known = names.first(where: { Self.asciiLowercased($0) == Self.asciiLowercased(key) }) {
                throw .invalidBody(
                    "unknown field \(Self.quote(prefix + key)); field names are case-sensitive, did you mean \"\(prefix + known)\"?")
            }
            let owner = prefix.isEmpty ? "\(schema.rawValue) bodies take" : "\"\(prefix.dropLast())\" takes"
            throw .invalidBody("unknown field \(Self.quote(prefix + key)); \(owner) only \(Self.list(names, "and"))")
        }
        let present = closed.fields.filter { members[$0.name] != nil }
        switch closed.presence {
        case .eachField:
            if let missing = closed.fields.first(where: { $0.isRequired && members[$0.name] == nil }) {
                throw .invalidBody("missing field \"\(prefix + missing.name)\"")
            }
        case .atLeastOne:
            guard !present.isEmpty else {
                let what = prefix.isEmpty ? "" : " in \"\(prefix.dropLast())\""
                throw .invalidBody("send \(Self.list(names, "or")) or both\(what), got none")
            }
        }
        for field in present {
            try check(members[field.name]!, as: field, name: prefix + field.name, schema: schema)
        }
    }

    private func check(_ value: JSONValue, as field: BodyField, name: String, schema: BodySchema) throws(SidecarError) {
        /// What was received, unless the field is card data.
        func got(_ text: String, quoted: Bool = true) -> String {
            field.isSecret ? "" : ", got \(Self.quote(text, quoted: quoted))"
        }
        func string() throws(SidecarError) -> String {
            guard case .string(let text) = value else {
                throw .invalidBody("\(name) must be a string, got \(Self.kind(of: value))")
            }
            return text
        }
        switch field.kind {
        case .paymentID, .requestID:
            guard case .string(let text) = value else {
                let what = field.kind == .requestID ? "request" : "payment"
                throw .invalidBody("\(name) must be a string holding a \(what) UUID, got \(Self.kind(of: value))")
            }
            guard UUIDText.isValid(text) else {
                throw .invalidBody("\(name) must be a UUID (8-4-4-4-12 hex digits), got \(Self.quote(text))")
            }
            if text.utf8.allSatisfy({ $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "-") }) {
                throw .invalidBody("\(name) must not be the nil UUID")
            }
            if text.utf8.allSatisfy({ $0 == UInt8(ascii: "f") || $0 == UInt8(ascii: "F") || $0 == UInt8(ascii: "-") }) {
                throw .invalidBody("\(name) must not be the max UUID")
            }
        case .amount:
            guard case .number(let literal) = value else {
                throw .invalidBody("\(name) must be a number, got \(Self.kind(of: value))")
            }
            if let problem = Self.amountProblem(literal) {
                throw .invalidBody("\(name) \(problem), got \(Self.quote(literal, quoted: false))")
            }
        case .orderID:
            let text = try string()
            guard (1...255).contains(text.utf8.count), text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
                throw .invalidBody("\(name) must be 1 to 255 printable ASCII characters, got \(Self.quote(text))")
            }
        case .text(let maxBytes):
            let text = try string()
            guard (1...maxBytes).contains(text.utf8.count), !text.unicodeScalars.contains(where: Self.isControl) else {
                throw .invalidBody("\(name) must be 1 to \(maxBytes) bytes without control characters\(got(text))")
            }
        case .token(let maxBytes):
            let text = try string()
            guard (1...maxBytes).contains(text.utf8.count), text.utf8.allSatisfy(Self.isTokenByte) else {
                throw .invalidBody("\(name) must be 1 to \(maxBytes) of A-Z a-z 0-9 _ -\(got(text))")
            }
        case .currency:
            let text = try string()
            guard text.utf8.count == 3, text.utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) else {
                throw .invalidBody("\(name) must be three upper-case letters (ISO 4217)\(got(text))")
            }
        case .oneOf(let allowed):
            let text = try string()
            guard allowed.contains(where: { $0.utf8.elementsEqual(text.utf8) }) else {
                throw .invalidBody("\(name) must be \(Self.list(allowed, "or"))\(got(text))")
            }
        case .digits(let counts):
            let text = try string()
            guard counts.contains(text.utf8.count), text.utf8.allSatisfy(Self.isDigit) else {
                throw .invalidBody("\(name) must be a string of \(counts.lowerBound) to \(counts.upperBound) digits\(got(text))")
            }
        case .integer(let range):
            guard case .number(let literal) = value else {
                throw .invalidBody("\(name) must be an integer, got \(Self.kind(of: value))")
            }
            let bytes = Array(literal.utf8)
            guard bytes.allSatisfy(Self.isDigit), bytes.count <= 9, bytes.count == 1 || bytes.first != UInt8(ascii: "0"),
                let number = Int(literal), range.contains(number)
            else {
                throw .invalidBody(
                    "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound) in plain notation\(got(literal, quoted: false))"
                )
            }
        case .boolean:
            guard case .bool = value else {
                throw .invalidBody("\(name) must be true or false, got \(Self.kind(of: value))")
            }
        case .cardholderName:
            let text = try string()
            guard (1...100).contains(text.utf8.count), text.utf8.allSatisfy(Self.isCardholderByte) else {
                throw .invalidBody("\(name) must be 1 to 100 of A-Z a-z, space, - . '\(got(text))")
            }
        case .url:
            let text = try string()
            let lower = Self.asciiLowercased(text)
            let hasScheme = lower.starts(with: Array("https://".utf8)) || lower.starts(with: Array("http://".utf8))
            guard hasScheme, text.utf8.count <= 255, text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw .invalidBody("\(name) must be an http:// or https:// URL of at most 255 printable characters\(got(text))")
            }
        case .ipv4:
            let text = try string()
            guard Self.isIPv4(text) else {
                throw .invalidBody("\(name) must be an IPv4 address (four numbers 0-255)\(got(text))")
            }
        case .object(let closed):
            guard case .object(let members) = value else {
                throw .invalidBody("\(name) must be an object, got \(Self.kind(of: value))")
            }
            try validate(members, closed: closed, schema: schema, prefix: name + ".")
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private static func isCardholderByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "'")
    }

    /// Four decimal numbers 0–255 without leading zeros, separated by dots.
    static func isIPv4(_ text: String) -> Bool {
        let parts = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                (1...3).contains(part.count) && part.allSatisfy(isDigit) && (part.count == 1 || part.first != UInt8(ascii: "0"))
                    && Int(String(decoding: part, as: UTF8.self))! <= 255
            }
    }

    /// Why a number literal is not an amount, or nil when it is one: plain decimal notation
    /// (`0` or a digit 1–9 then digits, then optionally `.` and one or two digits), > 0, ≤ 10^12.
    static func amountProblem(_ literal: String) -> String? {
        let bytes = Array(literal.utf8)
        if bytes.contains(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            return "must be in plain decimal notation (no exponent)"
        }
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") {
            return "must be greater than 0"
        }
        let parts = bytes.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        let integer = parts[0]
        let fraction = parts.count > 1 ? parts[1] : []
        let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        guard !integer.isEmpty, integer.allSatisfy(isDigit), fraction.allSatisfy(isDigit), parts.count == 1 || !fraction.isEmpty,
            integer.count == 1 || integer.first != UInt8(ascii: "0")
        else {
            return "must be in plain decimal notation"
        }
        guard fraction.count <= 2 else { return "must have at most two fractional digits" }
        // At most 13 integer digits fit a UInt64 with room for the cents.
        guard integer.count <= 13 else { return "must be at most 1000000000000" }
        var cents: UInt64 = 0
        for digit in integer { cents = cents * 10 + UInt64(digit - UInt8(ascii: "0")) }
        for index in 0..<2 {
            cents = cents * 10 + (index < fraction.count ? UInt64(fraction[fraction.startIndex + index] - UInt8(ascii: "0")) : 0)
        }
        guard cents > 0 else { return "must be greater than 0" }
        guard cents <= 100_000_000_000_000 else { return "must be at most 1000000000000" }
        return nil
    }

    // MARK: The open json-object

    /// Control characters in keys and out-of-range numbers, at any depth.
    private func validateOpen(_ value: JSONValue, path: [String]) throws(SidecarError) {
        switch value {
        case .object(let members):
            for key in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                if key.unicodeScalars.contains(where: Self.isControl) {
                    throw .invalidBody("field name \(Self.quote(key))\(Self.location(path)) holds a control character")
                }
                try validateOpen(members[key]!, path: path + [key])
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                try validateOpen(element, path: path + [String(index)])
            }
        case .number(let literal):
            if let problem = Self.numberProblem(literal) {
                throw .invalidBody("number \(Self.quote(literal, quoted: false))\(Self.location(path)) \(problem)")
            }
        case .null, .bool, .string:
            return
        }
    }

    /// Why a number is out of the range that decoders agree on, or nil (see `BodySchema.jsonObject`).
    static func numberProblem(_ literal: String) -> String? {
        guard let value = Double(literal), value.isFinite else { return "is not finite as a 64-bit float" }
        if value.magnitude >= exactIntegerLimit { return "is out of range: its magnitude must be below 2^53" }
        // A nonzero mantissa that a double cannot hold as a normal number; "0e-999" is just 0.
        let mantissa = literal.utf8.prefix { $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") }
        if value.magnitude < Double.leastNormalMagnitude, mantissa.contains(where: { (UInt8(ascii: "1")...UInt8(ascii: "9")).contains($0) })
        {
            return "is out of range: it underflows a 64-bit float"
        }
        return nil
    }

    // MARK: Messages

    /// `text` for an error message: at most `quoteLimit` bytes of it, with `"`, `\`, control
    /// and non-ASCII characters escaped as in JSON, and the full length when it was cut.
    static func quote(_ text: String, quoted: Bool = true) -> String {
        var output = quoted ? "\"" : ""
        var used = 0
        var truncated = false
        for scalar in text.unicodeScalars {
            used += String(scalar).utf8.count
            if used > quoteLimit {
                truncated = true
                break
            }
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case " "..."~": output.unicodeScalars.append(scalar)
            default:
                for unit in String(scalar).utf16 { output += "\\u" + hex4(unit) }
            }
        }
        if truncated { output += "..." }
        if quoted { output += "\"" }
        if truncated { output += " (\(text.utf8.count) bytes)" }
        return output
    }

    private static func hex4(_ unit: UInt16) -> String {
        let digits = String(unit, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    private static func asciiLowercased(_ text: String) -> [UInt8] {
        text.utf8.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 + 0x20 : $0 }
    }

    private static func list(_ names: [String], _ conjunction: String) -> String {
        names.map { "\"\($0)\"" }.joined(separator: " \(conjunction) ")
    }

    private static func location(_ path: [String]) -> String {
        path.isEmpty ? "" : " at " + quote("/" + path.joined(separator: "/"))
    }

    private static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
