/// One field of a Merchant API message as it was sent: a name and a value, both text.
///
/// Messages keep their fields in the order they arrived (forms) or appeared (XML), because
/// Freedom Pay's "Signature generation" rule takes fields with the same name "in the order in
/// which they appear in the message".
public struct MerchantField: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
