import MerchantAPI

/// Turns a client's Merchant API form into the body the sidecar sends: the caller's fields
/// in their order with their values unchanged, then `pg_merchant_id`, `pg_salt` and
/// `pg_idempotency_key` where missing, then `pg_sig`, urlencoded. Everything another reader
/// could read differently is refused first (README "Merchant API").
struct MerchantFormSigner: Sendable {
    let script: MerchantScript
    let moneyMoving: Bool
    let merchantID: String

    /// The signed `application/x-www-form-urlencoded` body.
    func signedBody(
        body: [UInt8], contentType: String, idempotencyKey: String?, secret: [UInt8], salt: () -> String
    ) throws(SidecarError) -> [UInt8] {
        let fields: [MerchantField]
        do {
            fields = try FormReader.read(body: body, contentType: contentType, policy: .signing)
        } catch {
            throw Self.sidecarError(error)
        }
        var out = try checked(fields)
        if !out.contains(where: { $0.name == "pg_merchant_id" }) { out.append(MerchantField(name: "pg_merchant_id", value: merchantID)) }
        if !out.contains(where: { $0.name == PGSignature.saltField }) {
            out.append(MerchantField(name: PGSignature.saltField, value: salt()))
        }
        if let idempotencyKey, script.documentsIdempotencyKey {
            if let own = out.first(where: { $0.name == "pg_idempotency_key" }) {
                guard own.value == idempotencyKey else {
                    throw .invalidBody("pg_idempotency_key differs from the Idempotency-Key header; send one of them")
                }
            } else {
                out.append(MerchantField(name: "pg_idempotency_key", value: idempotencyKey))
            }
        }
        let message: PGSigMessage
        do {
            message = try PGSigMessage(formFields: out, allowsRepeatedNames: false)
        } catch {
            throw .invalidBody("field name \(error)")
        }
        out.append(
            MerchantField(
                name: PGSignature.signatureField, value: PGSignature.signature(script: script.name, message: message, secret: secret)))
        return FormEncoding.urlEncoded(out)
    }

    /// The per-field rules: no own `pg_sig`, the route's merchant id, documented lengths,
    /// and on money-moving scripts only documented `pg_` fields and plain-decimal amounts.
    private func checked(_ fields: [MerchantField]) throws(SidecarError) -> [MerchantField] {
        do {
            _ = try PGSigMessage(formFields: fields, allowsRepeatedNames: false)
        } catch {
            switch error {
            case .malformedName(let name):
                throw .invalidBody(
                    "field name '\(name.prefix(64))' is not base[key]…: ASCII letters, digits, '_' and '-', starting with a letter or '_'")
            case .conflictingNames(let name): throw .invalidBody("field '\(name.prefix(64))' is both a value and a group")
            case .repeatedName(let name): throw .invalidBody("field '\(name.prefix(64))' is sent more than once")
            }
        }
        for field in fields {
            let base = String(field.name.prefix { $0 != "[" })
            let nested = base.count != field.name.count
            if base == PGSignature.signatureField {
                throw .invalidBody("pg_sig is the sidecar's to compute; leave it out")
            }
            if field.name == "pg_merchant_id" && field.value != merchantID {
                throw .invalidBody("pg_merchant_id differs from this route's merchant id; leave it out")
            }
            if base.hasPrefix("pg_") && moneyMoving {
                let known = nested ? script.groups.contains(base) : script.fields.keys.contains(base)
                guard known else {
                    throw .invalidBody(
                        "\(field.name.prefix(64)) is not a field \(script.name) documents; on money-moving scripts only documented pg_ fields are signed (fields without the pg_ prefix are the merchant's own)"
                    )
                }
            }
            if !nested, let limit = script.fields[base] ?? nil, field.value.count > limit {
                throw .invalidBody("\(base) is longer than its documented \(limit) characters")
            }
            if moneyMoving && script.amountFields.contains(field.name) {
                guard MerchantAmount.isValid(field.value) else {
                    throw .invalidBody(
                        "\(field.name) must be a plain decimal number > 0 with at most 2 fraction digits, at most \(MerchantScript.maxAmount)"
                    )
                }
            }
        }
        return fields
    }

    static func sidecarError(_ error: FormReadError) -> SidecarError {
        let field = error.field.map { " (field '\($0.prefix(64))')" } ?? ""
        switch error.kind {
        case .unsupportedContentType:
            return SidecarError(
                .unsupportedMediaType,
                message: "Content-Type must be application/x-www-form-urlencoded or multipart/form-data with a boundary")
        case .invalidPercentEncoding: return .invalidBody("invalid percent-encoding\(field)")
        case .invalidUTF8: return .invalidBody("a name or value is not UTF-8\(field)")
        case .controlCharacter: return .invalidBody("control characters, raw spaces or raw non-ASCII bytes must not appear\(field)")
        case .emptyOrIncompletePair: return .invalidBody("empty pair or a pair without '='\(field)")
        case .repeatedName: return .invalidBody("a field is sent more than once\(field)")
        case .nameRewrittenByPHP: return .invalidBody("field names must not contain '.' or a space (PHP rewrites them)\(field)")
        case .valueContainsSeparator:
            return .invalidBody("a value contains ';', the pg_sig separator\(field); use another character")
        case .filePart: return .invalidBody("file parts are not signed; send fields only\(field)")
        case .malformedMultipart: return .invalidBody("malformed multipart/form-data\(field)")
        case .unsupportedPartHeader: return .invalidBody("a multipart part header other than Content-Disposition and text/plain\(field)")
        case .tooManyFields: return .invalidBody("too many fields")
        case .nameTooLong: return .invalidBody("a field name is too long")
        case .emptyName: return .invalidBody("a field has an empty name")
        }
    }
}

/// Amounts on money-moving scripts: plain decimal, at most two fraction digits, > 0 and at
/// most `MerchantScript.maxAmount`.
enum MerchantAmount {
    static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        guard !whole.isEmpty, whole.utf8.allSatisfy({ (0x30...0x39).contains($0) }), whole == "0" || whole.first != "0",
            parts.count == 1 || (1...2).contains(fraction.utf8.count), fraction.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            whole.utf8.count <= MerchantScript.maxAmount.utf8.count
        else { return false }
        let cents = Int(whole)! * 100 + Int(fraction.padding(toLength: 2))!
        return cents > 0 && cents <= Int(MerchantScript.maxAmount)! * 100
    }
}

extension Substring {
    fileprivate func padding(toLength length: Int) -> String {
        String(self) + String(repeating: "0", count: Swift.max(0, length - count))
    }
}
