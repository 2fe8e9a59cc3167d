import Crypto
import MerchantAPI

/// `pg_sig` for the callback listener, with the Merchant API's scheme: the digest that
/// identifies a callback's signed content, and the signed `<response>` XML of an answer.
enum CallbackSignature {
    /// SHA-256 of the path and the exact signed content ("Signature generation": the script
    /// name, the values in signing order), each length-prefixed; the secret is not in it.
    static func contentDigest(path: String, scriptName: String, message: PGSigMessage) -> SHA256Digest {
        var hasher = SHA256()
        for part in [Array(path.utf8), PGSignature.signingInput(script: scriptName, message: message, secret: [])] {
            withUnsafeBytes(of: UInt64(part.count).bigEndian) { hasher.update(bufferPointer: $0) }
            hasher.update(data: part)
        }
        return hasher.finalize()
    }

    /// The answer's fields, the callback's `pg_salt` (a fresh one if it had none) and
    /// `pg_sig` for the script name, as `<?xml …?><response>…</response>`.
    static func signedResponse(scriptName: String, fields: [(name: String, value: String)], salt: String?, secret: [UInt8])
        throws(CallbackAppAnswer.Refusal) -> [UInt8]
    {
        // ";" separates the signed values: such an answer would sign like another one.
        if let field = fields.first(where: { $0.value.contains(";") }) {
            throw CallbackAppAnswer.Refusal(reason: "field \(field.name) contains ';', which pg_sig cannot sign unambiguously")
        }
        let signed = PGSignature.signedFields(
            script: scriptName, fields: fields.map { MerchantField(name: $0.name, value: $0.value) }, salt: salt ?? PGSalt.random(),
            secret: secret)
        do {
            return try XMLResponseWriter.response(signed)
        } catch {
            throw CallbackAppAnswer.Refusal(reason: "the answer cannot be written as XML: \(error)")
        }
    }
}
