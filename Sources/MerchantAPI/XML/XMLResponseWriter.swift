/// Writes the XML documents the Merchant API exchanges: `<response>` answers of fields
/// ("Query Mechanics"), or any `XMLElement` tree.
///
/// Text is escaped (`&`, `<`, `>`, CR as `&#13;`, DEL as `&#127;`) so that `StrictXML` reads back
/// exactly the value written; a name or value `StrictXML` would refuse is an error here,
/// so the writer never produces a document the reader (or a signer) sees differently.
public enum XMLResponseWriter {
    /// Why a document could not be written.
    public enum WriteError: Error, Equatable, Sendable {
        /// Not an ASCII XML name without `:` (see `StrictXML`).
        case invalidName(String)
        /// A character XML 1.0 §2.2 excludes (C0 controls but tab, LF, CR; U+FFFE, U+FFFF).
        case invalidCharacter(field: String)
    }

    /// The XML declaration every document starts with, followed by a newline.
    public static let declaration = #"<?xml version="1.0" encoding="utf-8"?>"# + "\n"

    /// `<response>` with one element per field, in the given order.
    public static func response(_ fields: [MerchantField]) throws(WriteError) -> [UInt8] {
        try document(XMLElement(name: "response", children: fields.map { XMLElement(name: $0.name, text: $0.value) }))
    }

    /// The declaration and `root`, without indentation.
    public static func document(_ root: XMLElement) throws(WriteError) -> [UInt8] {
        var out = Array(declaration.utf8)
        try write(root, into: &out)
        return out
    }

    private static func write(_ element: XMLElement, into out: inout [UInt8]) throws(WriteError) {
        try validateName(element.name)
        out.append(UInt8(ascii: "<"))
        out.append(contentsOf: element.name.utf8)
        out.append(UInt8(ascii: ">"))
        if element.children.isEmpty {
            try appendEscaped(element.text, field: element.name, into: &out)
        } else {
            for child in element.children { try write(child, into: &out) }
        }
        out.append(contentsOf: "</".utf8)
        out.append(contentsOf: element.name.utf8)
        out.append(UInt8(ascii: ">"))
    }

    private static func validateName(_ name: String) throws(WriteError) {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, StrictXML.isNameStart(first),
            bytes.allSatisfy({ StrictXML.isNameStart($0) || StrictXML.isNameRest($0) })
        else { throw .invalidName(name) }
    }

    private static func appendEscaped(_ text: String, field: String, into out: inout [UInt8]) throws(WriteError) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".utf8)
            case "<": out.append(contentsOf: "&lt;".utf8)
            case ">": out.append(contentsOf: "&gt;".utf8)
            case "\r": out.append(contentsOf: "&#13;".utf8)
            case "\u{7F}": out.append(contentsOf: "&#127;".utf8)
            default:
                guard StrictXML.isXMLChar(scalar.value) else { throw .invalidCharacter(field: field) }
                out.append(contentsOf: String(scalar).utf8)
            }
        }
    }
}
