/// Why `StrictXML` refused a document, and the byte offset where it noticed.
public struct XMLReadError: Error, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case tooLarge
        case tooDeep
        case tooManyElements
        case nameTooLong
        case unexpectedEnd
        case trailingData
        case noRootElement
        case invalidDeclaration
        /// `<!DOCTYPE`: no DTD, hence no entity other than the five predefined ones.
        case doctypeNotAllowed
        case commentNotAllowed
        /// CDATA sections: no Freedom Pay page shows one.
        case cdataNotAllowed
        case processingInstructionNotAllowed
        case attributeNotAllowed
        case invalidName
        case mismatchedEndTag
        /// An entity other than `lt`, `gt`, `amp`, `quot`, `apos`, or a malformed reference.
        case invalidEntity
        /// A character reference to a code point that XML 1.0 §2.2 excludes.
        case invalidCharacterReference
        /// A raw control character (carriage return included: XML would rewrite CRLF).
        case invalidCharacter
        case invalidUTF8
        /// `]]>` in text, which XML 1.0 §2.4 forbids.
        case cdataEndInText
        /// Non-whitespace text beside child elements.
        case mixedContent
    }

    public var kind: Kind
    public var offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }
}
