/// A callback's fields as Freedom Pay sent them, in their order (XML flattened as the
/// Merchant API reads it), and the query string a GET callback carried them in.
struct CallbackMessage: Sendable {
    var fields: [(name: String, value: String)]
    /// The raw query string of a GET callback, forwarded to the app unchanged.
    var query: String?

    /// The callback's `pg_salt`, echoed in a `signed-xml` answer as the merchants' helper
    /// does ("Result notify"); the first one if repeated.
    var salt: String? { fields.first { $0.name == "pg_salt" }?.value }

    func values(named name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }
}

/// Whether a callback may reach the app, and if not, why (the label of the metric and the
/// `reason` of the warning line).
enum CallbackVerdict: String, Sendable, Equatable {
    case verified
    case signatureMissing = "signature_missing"
    case signatureInvalid = "signature_invalid"
    case wrongMerchant = "wrong_merchant"

    /// `pg_sig` over the entry's script name and every other field, with the entry's secret
    /// ("Signature generation"), and `pg_merchant_id`, where the callback carries one, equal
    /// to the entry's merchant. "Result notify" and "Check request" list no `pg_merchant_id`,
    /// so its absence is not a refusal: only this merchant's secret makes the signature match.
    static func of(_ message: CallbackMessage, scriptName: String, merchantID: String, keyStore: KeyStore) -> CallbackVerdict {
        let signatures = message.values(named: "pg_sig")
        guard !signatures.isEmpty else { return .signatureMissing }
        guard signatures.count == 1 else { return .signatureInvalid }
        guard message.values(named: "pg_merchant_id").allSatisfy({ $0 == merchantID }) else { return .wrongMerchant }
        let unsigned = message.fields.filter { $0.name != "pg_sig" }
        let expected = CallbackSignature.signature(scriptName: scriptName, fields: unsigned, keyStore: keyStore)
        return constantTimeEqualHex(expected, signatures[0]) ? .verified : .signatureInvalid
    }

    /// Compares lower-case hex `expected` with `received` in either case, in time that
    /// depends only on the length.
    static func constantTimeEqualHex(_ expected: String, _ received: String) -> Bool {
        let a = Array(expected.utf8)
        let b = Array(received.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices {
            let lowered = (b[index] >= 0x41 && b[index] <= 0x46) ? b[index] | 0x20 : b[index]
            difference |= a[index] ^ lowered
        }
        return difference == 0
    }
}
