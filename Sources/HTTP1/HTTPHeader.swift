/// One header field as it appeared on the wire: name case preserved, value without
/// surrounding whitespace.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HTTPHeader {
    /// Values of every field named `name` (case-insensitive), in order.
    public func values(named name: String) -> [String] {
        filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }

    /// The value of the first field named `name` (case-insensitive).
    public func first(named name: String) -> String? {
        first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Tokens of a comma-separated list field across all its lines, ASCII-lowercased
    /// (RFC 9110 §5.6.1). Only ASCII letters change: U+212A KELVIN SIGN never becomes "k".
    public func listTokens(named name: String) -> [String] {
        ByteClass.listElements(values(named: name))
            .filter { !$0.isEmpty }
            .map { String(decoding: $0.map(ByteClass.asciiLowercased), as: UTF8.self) }
    }
}

extension StringProtocol {
    /// ASCII case-insensitive comparison, as header names require. Inlinable so that every
    /// caller gets a specialized loop: the generic one costs ~10% of a proxied request.
    @inlinable
    public func caseInsensitiveEquals(_ other: some StringProtocol) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        var i = a.startIndex, j = b.startIndex
        while i != a.endIndex {
            let x = a[i], y = b[j]
            if x != y {
                let folded = x | 0x20
                guard folded == y | 0x20, folded >= UInt8(ascii: "a"), folded <= UInt8(ascii: "z") else { return false }
            }
            a.formIndex(after: &i)
            b.formIndex(after: &j)
        }
        return true
    }

    /// Without leading and trailing spaces and tabs (RFC 9110 §5.6.3 OWS).
    public func trimmingOWS() -> String {
        var slice = Substring(self)
        while let c = slice.first, c == " " || c == "\t" { slice = slice.dropFirst() }
        while let c = slice.last, c == " " || c == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
