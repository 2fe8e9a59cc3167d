import MerchantAPI

/// Checks the `pg_sig` of a Merchant API answer (an XML `<response>`, "Query Mechanics")
/// for the request's script name. The strict choice where a page is inconsistent: one
/// status example signs `get_status.php` for a request to `get_status3.php`; the sidecar
/// checks the script it called.
enum MerchantAnswerCheck {
    /// The header that tells the client what the check found.
    static let header = "X-FreedomPay-Signature"

    static func check(body: [UInt8], script: String, secret: [UInt8]) -> PGSignatureCheck {
        let root: XMLElement
        do {
            root = try StrictXML.parse(body)
        } catch {
            // Not a document this reader accepts: unsigned, unless it looks signed.
            return contains(body, Array("<pg_sig>".utf8)) ? .invalid : .absent
        }
        return PGSignature.check(script: script, message: PGSigMessage(xmlRoot: root), secret: secret)
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }
}

/// `pg_salt` values the sidecar adds: 20 random letters and digits ("Signature generation":
/// "a random string … of digits and Latin letters").
enum MerchantSalt {
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(decoding: (0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }, as: UTF8.self)
    }
}
