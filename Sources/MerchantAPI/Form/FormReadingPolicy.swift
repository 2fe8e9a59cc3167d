/// How strictly `FormReader` reads a form.
///
/// `.signing` is for what the sidecar signs: it refuses everything two readers could read
/// differently. `.verifying` is for checking a message someone else signed: repeated names
/// are kept in order and `;` in values is allowed, because the signer decided those.
public struct FormReadingPolicy: Sendable, Equatable {
    public var allowsRepeatedNames: Bool
    public var allowsSeparatorInValues: Bool
    /// Names with `.` or space, kept verbatim.
    public var allowsNamesPHPRewrites: Bool
    /// Raw bytes outside `!`…`~` in a urlencoded body, and decoded control characters.
    public var allowsControlAndRawBytes: Bool
    /// Empty pairs (`&&`, a trailing `&`) are skipped; a pair without `=` has an empty value.
    public var allowsEmptyPairs: Bool
    public var maxFields: Int
    public var maxNameBytes: Int

    public init(
        allowsRepeatedNames: Bool, allowsSeparatorInValues: Bool, allowsNamesPHPRewrites: Bool,
        allowsControlAndRawBytes: Bool, allowsEmptyPairs: Bool, maxFields: Int = 512, maxNameBytes: Int = 256
    ) {
        self.allowsRepeatedNames = allowsRepeatedNames
        self.allowsSeparatorInValues = allowsSeparatorInValues
        self.allowsNamesPHPRewrites = allowsNamesPHPRewrites
        self.allowsControlAndRawBytes = allowsControlAndRawBytes
        self.allowsEmptyPairs = allowsEmptyPairs
        self.maxFields = maxFields
        self.maxNameBytes = maxNameBytes
    }

    /// For requests the sidecar signs.
    public static let signing = FormReadingPolicy(
        allowsRepeatedNames: false, allowsSeparatorInValues: false, allowsNamesPHPRewrites: false,
        allowsControlAndRawBytes: false, allowsEmptyPairs: false)

    /// For messages whose `pg_sig` is checked (callbacks, answers).
    public static let verifying = FormReadingPolicy(
        allowsRepeatedNames: true, allowsSeparatorInValues: true, allowsNamesPHPRewrites: true,
        allowsControlAndRawBytes: true, allowsEmptyPairs: true)
}
