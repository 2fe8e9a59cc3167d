/// Character classes of RFC 9110 §5.6.2 and RFC 9112 §2, on raw bytes.
enum ByteClass {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")

    /// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    static func isTokenChar(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }

    /// field-vchar = VCHAR / obs-text, plus SP and HTAB inside a value.
    static func isFieldValueChar(_ b: UInt8) -> Bool {
        b == tab || (b >= 0x20 && b != 0x7F)
    }

    /// Request-target characters: visible ASCII only (RFC 3986 has no raw spaces, controls or 8-bit bytes).
    static func isTargetChar(_ b: UInt8) -> Bool {
        b > 0x20 && b < 0x7F
    }

    /// OWS = *( SP / HTAB ) (RFC 9110 §5.6.3)
    static func isOWS(_ b: UInt8) -> Bool {
        b == space || b == tab
    }

    static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    static func decimalValue(_ b: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) ? Int(b - UInt8(ascii: "0")) : nil
    }

    /// 1*DIGIT as a non-negative Int; `nil` when empty, not all digits, or too large.
    static func decimalNumber(_ bytes: some Collection<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard let digit = decimalValue(byte) else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    /// The byte with ASCII letters lowercased; every other byte unchanged.
    static func asciiLowercased(_ b: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b) ? b | 0x20 : b
    }

    /// ASCII case-insensitive equality with a lowercase ASCII literal. Bytes are compared,
    /// never Unicode case mappings: U+212A KELVIN SIGN does not equal "k".
    static func equalsIgnoringASCIICase(_ bytes: some Collection<UInt8>, _ lowercaseLiteral: String) -> Bool {
        bytes.count == lowercaseLiteral.utf8.count
            && zip(bytes, lowercaseLiteral.utf8).allSatisfy { asciiLowercased($0) == $1 }
    }

    /// Without leading and trailing OWS.
    static func trimmingOWS(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, isOWS(first) { slice = slice.dropFirst() }
        while let last = slice.last, isOWS(last) { slice = slice.dropLast() }
        return slice
    }

    /// The elements of a comma-separated list across all the values given, OWS-trimmed;
    /// empty elements are kept so that strict callers can reject them (RFC 9110 §5.6.1).
    static func listElements(_ values: [String]) -> [ArraySlice<UInt8>] {
        values.flatMap { value in
            Array(value.utf8).split(separator: comma, omittingEmptySubsequences: false).map(trimmingOWS)
        }
    }
}
