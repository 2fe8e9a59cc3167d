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

    private func validate(_ members: [String: JSONValue], closed: ClosedFields, schema: BodySchema) throws(SidecarError) {
        let names = closed.fields.map(\.name)
        // Sorted, so that the same body always gets the same message. Known names match by bytes, not
        // String ==, which is canonical equivalence (U+212A KELVIN SIGN == "K").
        for key in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        where !names.contains(where: { $0.utf8.elementsEqual(key.utf8) }) {
            if key.unicodeScalars.contains(where: Self.isControl) {
                throw .invalidBody("field name \(Self.quote(key)) holds a control character")
            }
            if !key.utf8.allSatisfy({ $0 < 0x80 }) {
                throw .invalidBody("field name \(Self.quote(key)) holds a non-ASCII character")
            }
            if let known = names.first(where: { Self.asciiLowercased($0) == Self.asciiLowercased(key) }) {
                throw .invalidBody("unknown field \(Self.quote(key)); field names are case-sensitive, did you mean \"\(known)\"?")
            }
            throw .invalidBody("unknown field \(Self.quote(key)); \(schema.rawValue) bodies take only \(Self.list(names, "and"))")
        }
        let present = closed.fields.filter { members[$0.name] != nil }
        switch closed.presence {
        case .allRequired:
            if let missing = closed.fields.first(where: { members[$0.name] == nil }) {
                throw .invalidBody("missing field \"\(missing.name)\"")
            }
        case .exactlyOne:
            guard present.count == 1 else {
                throw .invalidBody("send exactly one of \(Self.list(names, "or")), got \(present.isEmpty ? "none" : "both")")
            }
        }
        for field in present {
            try check(members[field.name]!, as: field)
        }
    }

    private func check(_ value: JSONValue, as field: BodyField) throws(SidecarError) {
        switch field.kind {
        case .paymentID, .requestID:
            guard case .string(let text) = value else {
                let what = field.kind == .requestID ? "request" : "payment"
                throw .invalidBody("\(field.name) must be a string holding a \(what) UUID, got \(Self.kind(of: value))")
            }
            guard UUIDText.isValid(text) else {
                throw .invalidBody("\(field.name) must be a UUID (8-4-4-4-12 hex digits), got \(Self.quote(text))")
            }
            if text.utf8.allSatisfy({ $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "-") }) {
                throw .invalidBody("\(field.name) must not be the nil UUID")
            }
            if text.utf8.allSatisfy({ $0 == UInt8(ascii: "f") || $0 == UInt8(ascii: "F") || $0 == UInt8(ascii: "-") }) {
                throw .invalidBody("\(field.name) must not be the max UUID")
            }
        case .amount:
            guard case .number(let literal) = value else {
                throw .invalidBody("\(field.name) must be a number, got \(Self.kind(of: value))")
            }
            if let problem = Self.amountProblem(literal) {
                throw .invalidBody("\(field.name) \(problem), got \(Self.quote(literal, quoted: false))")
            }
        case .orderID:
            guard case .string(let text) = value else {
                throw .invalidBody("\(field.name) must be a string, got \(Self.kind(of: value))")
            }
            guard (1...255).contains(text.utf8.count), text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
                throw .invalidBody("\(field.name) must be 1 to 255 printable ASCII characters, got \(Self.quote(text))")
            }
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
