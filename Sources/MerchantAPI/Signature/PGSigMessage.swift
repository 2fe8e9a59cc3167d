/// A Merchant API message as `pg_sig` sees it: named entries in order, each a value or a
/// group of entries (a nested form field `a[b][c]`, or an XML element with children).
public struct PGSigMessage: Sendable, Equatable {
    public indirect enum Content: Sendable, Equatable {
        case value(String)
        case group([Entry])
    }

    public struct Entry: Sendable, Equatable {
        public var name: String
        public var content: Content

        public init(name: String, content: Content) {
            self.name = name
            self.content = content
        }
    }

    /// Why form fields do not make a message.
    public enum FieldNameError: Error, Equatable, Sendable {
        /// Brackets that are not `base[key]…[key]`, an empty key (`a[]`), or a base or key
        /// outside ASCII letters, digits, `_` and `-` (a base starting with a letter or `_`).
        case malformedName(String)
        /// A name that is both a value and a group (`a=1&a[b]=2`), which PHP would overwrite.
        case conflictingNames(String)
        /// The same full name twice while repeats are not allowed.
        case repeatedName(String)
    }

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// A flat message: one value entry per field, names taken verbatim.
    public init(flatFields fields: [MerchantField]) {
        entries = fields.map { Entry(name: $0.name, content: .value($0.value)) }
    }

    /// The message a form carries, nesting `base[key][key]` names as PHP does: a group sits
    /// where its first field appeared, and keeps its keys in order of first appearance.
    /// Names without `[` are taken verbatim when `strictNames` is false.
    public init(formFields fields: [MerchantField], allowsRepeatedNames: Bool, strictNames: Bool = true) throws(FieldNameError) {
        entries = []
        for field in fields {
            let path = try Self.path(of: field.name, strict: strictNames)
            try Self.insert(field.value, at: path[...], into: &entries, fullName: field.name, allowsRepeats: allowsRepeatedNames)
        }
    }

    /// The message an XML document carries: the root's children, nested as they are.
    public init(xmlRoot root: XMLElement) {
        entries = root.children.map(Self.entry(of:))
    }

    private static func entry(of element: XMLElement) -> Entry {
        element.isLeaf
            ? Entry(name: element.name, content: .value(element.text))
            : Entry(name: element.name, content: .group(element.children.map(entry(of:))))
    }

    /// True when some entry is a group.
    public var isNested: Bool {
        entries.contains { if case .group = $0.content { true } else { false } }
    }

    /// The values of the top-level entries with this name, in order.
    public func values(named name: String) -> [String] {
        entries.compactMap { entry in
            guard entry.name == name, case .value(let value) = entry.content else { return nil }
            return value
        }
    }

    /// The message without its top-level entries of this name.
    public func removing(_ name: String) -> PGSigMessage {
        PGSigMessage(entries: entries.filter { $0.name != name })
    }

    /// `base[k1][k2]` → `["base", "k1", "k2"]`.
    static func path(of name: String, strict: Bool) throws(FieldNameError) -> [String] {
        guard let open = name.firstIndex(of: "[") else {
            if strict { guard isBase(Substring(name)) else { throw .malformedName(name) } }
            return [name]
        }
        let base = name[..<open]
        guard isBase(base) else { throw .malformedName(name) }
        var path = [String(base)]
        var rest = name[open...]
        while !rest.isEmpty {
            guard rest.first == "[", let close = rest.firstIndex(of: "]") else { throw .malformedName(name) }
            let key = rest[rest.index(after: rest.startIndex)..<close]
            guard !key.isEmpty, key.utf8.allSatisfy(isKeyByte) else { throw .malformedName(name) }
            path.append(String(key))
            rest = rest[rest.index(after: close)...]
        }
        return path
    }

    private static func isBase(_ base: Substring) -> Bool {
        guard let first = base.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return base.utf8.allSatisfy(isKeyByte)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "-")
    }

    private static func insert(
        _ value: String, at path: ArraySlice<String>, into entries: inout [Entry], fullName: String, allowsRepeats: Bool
    ) throws(FieldNameError) {
        let key = path.first!
        let existing = entries.firstIndex { $0.name == key }
        if path.count == 1 {
            if let existing {
                guard case .value = entries[existing].content else { throw .conflictingNames(fullName) }
                guard allowsRepeats else { throw .repeatedName(fullName) }
            }
            entries.append(Entry(name: key, content: .value(value)))
            return
        }
        if let existing {
            guard case .group(var children) = entries[existing].content else { throw .conflictingNames(fullName) }
            try insert(value, at: path.dropFirst(), into: &children, fullName: fullName, allowsRepeats: allowsRepeats)
            entries[existing].content = .group(children)
        } else {
            var children: [Entry] = []
            try insert(value, at: path.dropFirst(), into: &children, fullName: fullName, allowsRepeats: allowsRepeats)
            entries.append(Entry(name: key, content: .group(children)))
        }
    }
}
