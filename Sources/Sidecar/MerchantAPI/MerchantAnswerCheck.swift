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
