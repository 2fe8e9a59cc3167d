/// Why `FormReader` refused a form body. `field` names the field when one is known.
public struct FormReadError: Error, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// Neither `application/x-www-form-urlencoded` nor `multipart/form-data` with a boundary.
        case unsupportedContentType
        /// `%` not followed by two hex digits.
        case invalidPercentEncoding
        /// A decoded name or value that is not UTF-8.
        case invalidUTF8
        /// A byte a strict form must percent-encode (space, control, non-ASCII), or a
        /// decoded control character in a name or value.
        case controlCharacter
        /// `a=1&&b=2`, a trailing `&`, or a pair without `=`.
        case emptyOrIncompletePair
        /// The same name twice (strict reading only).
        case repeatedName
        /// A name PHP would rewrite before the script sees it (`.` or space become `_`).
        case nameRewrittenByPHP
        /// `;` in a value: the signature's separator would make two forms sign alike.
        case valueContainsSeparator
        /// A multipart part with a `filename`: only fields are signed.
        case filePart
        /// Multipart framing (RFC 2046 §5.1.1, RFC 7578) broken or outside what is read.
        case malformedMultipart
        /// A part header other than `Content-Disposition` and `Content-Type: text/plain`.
        case unsupportedPartHeader
        case tooManyFields
        case nameTooLong
        case emptyName
    }

    public var kind: Kind
    public var field: String?

    public init(_ kind: Kind, field: String? = nil) {
        self.kind = kind
        self.field = field
    }
}
