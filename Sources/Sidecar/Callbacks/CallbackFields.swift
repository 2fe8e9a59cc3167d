import MerchantAPI

/// Reads a callback's fields with the Merchant API's readers, under the verifying policy:
/// repeated names in their order and `;` in values are Freedom Pay's to decide, not the
/// sidecar's ("Signature generation"; README "Callbacks").
enum CallbackFields {
    /// A GET callback's query string.
    static func fromQuery(_ query: String) throws(SidecarError) -> PGSigMessage {
        let fields: [MerchantField]
        do {
            fields = try FormReader.readURLEncoded(Array(query.utf8), policy: .verifying)
        } catch {
            throw .invalidRequest("the query string is not a form: \(error)")
        }
        return try message(of: fields)
    }

    /// A POST callback's body: a urlencoded or multipart form, or XML in a single `pg_xml`
    /// field ("Query Mechanics": "Via XML - … only in the only pg_xml parameter").
    static func fromBody(_ body: [UInt8], contentType: String) throws(SidecarError) -> PGSigMessage {
        let fields: [MerchantField]
        do {
            fields = try FormReader.read(body: body, contentType: contentType, policy: .verifying)
        } catch {
            if error.kind == .unsupportedContentType { throw CallbackRequestPolicy.unsupportedMediaType }
            throw .invalidBody("the body is not a form: \(error)")
        }
        if fields.count == 1, fields[0].name == "pg_xml" {
            do {
                return PGSigMessage(xmlRoot: try StrictXML.parse(Array(fields[0].value.utf8)))
            } catch {
                throw .invalidBody("pg_xml is not a well-formed XML document: \(error)")
            }
        }
        return try message(of: fields)
    }

    /// Nested names (`a[b][c]`) grouped as PHP groups them, the rest taken verbatim.
    private static func message(of fields: [MerchantField]) throws(SidecarError) -> PGSigMessage {
        do {
            return try PGSigMessage(formFields: fields, allowsRepeatedNames: true, strictNames: false)
        } catch {
            throw .invalidBody("the form's field names cannot be read as one message: \(error)")
        }
    }
}
