import Crypto

/// Freedom Pay's `pg_sig` ("Signature generation", on the Merchant API and Gateway API
/// overview pages): MD5, in lower-case hex, of the script name, the values of all fields
/// in alphabetical order of their names (`pg_salt` included, `pg_sig` not), and the
/// secret key, joined with `;`. "Fields with the same name are taken in the order in which
/// they appear in the message."
///
/// Nesting: the pages say only that the rule "is applied recursively (XML only)". For a
/// nested message (a form field `a[b][c]`, an XML element with children) this follows the
/// helper the pages' PHP examples call: every entry's name gets its 1-based position among
/// its siblings as three digits (`sprintf('%03d')`), a group's children are flattened
/// under that prefixed name, recursively, and the flat names are sorted. A flat message is
/// sorted by name alone, as the pages' flat examples do. Names compare as UTF-8 bytes (PHP
/// `ksort` on non-numeric string keys); equal names keep their order.
public enum PGSignature {
    /// The field that carries the signature.
    public static let signatureField = "pg_sig"
    /// The field that carries the random salt.
    public static let saltField = "pg_salt"

    /// The script name signed for a request path: "from the last / to the end or ?".
    public static func scriptName(ofPath path: String) -> String {
        let withoutQuery = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return String(withoutQuery.split(separator: "/", omittingEmptySubsequences: false).last ?? "")
    }

    /// The values in signing order (top-level `pg_sig` entries excluded).
    public static func orderedValues(of message: PGSigMessage) -> [String] {
        let signed = message.removing(signatureField)
        var named: [(name: [UInt8], value: String)] = []
        if signed.isNested {
            flatten(signed.entries, prefix: "", into: &named)
        } else {
            named = signed.entries.map { entry in
                guard case .value(let value) = entry.content else { return ([], "") }
                return (Array(entry.name.utf8), value)
            }
        }
        let order = named.indices.sorted { a, b in
            named[a].name == named[b].name ? a < b : named[a].name.lexicographicallyPrecedes(named[b].name)
        }
        return order.map { named[$0].value }
    }

    private static func flatten(_ entries: [PGSigMessage.Entry], prefix: String, into out: inout [(name: [UInt8], value: String)]) {
        for (offset, entry) in entries.enumerated() {
            let position = String(offset + 1)
            let name = prefix + entry.name + String(repeating: "0", count: max(0, 3 - position.count)) + position
            switch entry.content {
            case .value(let value): out.append((Array(name.utf8), value))
            case .group(let children): flatten(children, prefix: name, into: &out)
            }
        }
    }

    /// The bytes that are hashed: `script;value;…;value;secret`.
    public static func signingInput(script: String, message: PGSigMessage, secret: [UInt8]) -> [UInt8] {
        var input = Array(script.utf8)
        for value in orderedValues(of: message) {
            input.append(UInt8(ascii: ";"))
            input.append(contentsOf: value.utf8)
        }
        input.append(UInt8(ascii: ";"))
        input.append(contentsOf: secret)
        return input
    }

    /// The `pg_sig` value: 32 lower-case hex digits.
    public static func signature(script: String, message: PGSigMessage, secret: [UInt8]) -> String {
        let digest = Insecure.MD5.hash(data: signingInput(script: script, message: message, secret: secret))
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Flat fields with `pg_salt` (when absent) and `pg_sig` appended, ready to send or to
    /// write as an XML `<response>`.
    public static func signedFields(script: String, fields: [MerchantField], salt: String, secret: [UInt8]) -> [MerchantField] {
        var out = fields.filter { $0.name != signatureField }
        if !out.contains(where: { $0.name == saltField }) { out.append(MerchantField(name: saltField, value: salt)) }
        let sig = signature(script: script, message: PGSigMessage(flatFields: out), secret: secret)
        out.append(MerchantField(name: signatureField, value: sig))
        return out
    }

    /// Checks the message's own top-level `pg_sig` against the secret.
    public static func check(script: String, message: PGSigMessage, secret: [UInt8]) -> PGSignatureCheck {
        let carried = message.entries.filter { $0.name == signatureField }
        guard !carried.isEmpty else { return .absent }
        guard carried.count == 1, case .value(let value) = carried[0].content else { return .invalid }
        let expected = signature(script: script, message: message, secret: secret)
        return constantTimeEqual(Array(value.utf8), Array(expected.utf8)) ? .verified : .invalid
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// The outcome of checking a message's `pg_sig`; the raw values are the
/// `X-FreedomPay-Signature` header's.
public enum PGSignatureCheck: String, Sendable, Equatable, CaseIterable {
    case verified
    case invalid
    case absent
}
