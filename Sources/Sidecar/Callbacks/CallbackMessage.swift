import MerchantAPI

/// A callback as `pg_sig` sees it (its fields in their order, nested form names and XML as
/// the Merchant API reads them), and the query string a GET callback carried them in.
struct CallbackMessage: Sendable {
    var message: PGSigMessage
    /// The raw query string of a GET callback, forwarded to the app unchanged.
    var query: String?

    /// The callback's `pg_salt`, echoed in a `signed-xml` answer as the merchants' helper
    /// does ("Result notify"); the first one if repeated.
    var salt: String? { message.values(named: PGSignature.saltField).first }
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
    static func of(_ callback: CallbackMessage, scriptName: String, merchantID: String, secret: [UInt8]) -> CallbackVerdict {
        let message = callback.message
        guard !message.values(named: PGSignature.signatureField).isEmpty else { return .signatureMissing }
        guard message.values(named: "pg_merchant_id").allSatisfy({ $0 == merchantID }) else { return .wrongMerchant }
        switch PGSignature.check(script: scriptName, message: message, secret: secret) {
        case .verified: return .verified
        case .absent: return .signatureMissing
        case .invalid: return .signatureInvalid
        }
    }
}
