/// An element read by `StrictXML`: a name and either text or child elements, never both.
///
/// Merchant API answers ("Query Mechanics") are flat `<response>` documents of such
/// elements, with an occasional nested group such as `<pg_refund_payments>`.
public struct XMLElement: Sendable, Equatable {
    public var name: String
    /// The decoded text of a leaf element; empty for an element with children.
    public var text: String
    /// Child elements in document order; repeated names are kept, in order.
    public var children: [XMLElement]

    public init(name: String, text: String = "", children: [XMLElement] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    /// A leaf holds text (possibly empty) and no child elements.
    public var isLeaf: Bool { children.isEmpty }

    /// The first child with this name, if any.
    public func firstChild(named name: String) -> XMLElement? {
        children.first { $0.name == name }
    }

    /// The children of a flat document as fields, in order; `nil` when a child has children.
    public var leafFields: [MerchantField]? {
        var fields: [MerchantField] = []
        for child in children {
            guard child.isLeaf else { return nil }
            fields.append(MerchantField(name: child.name, value: child.text))
        }
        return fields
    }
}
