import JSONCore

/// Checks a body against its route's policy before it is signed. The bytes themselves are
/// forwarded untouched; this only decides whether they may be.
struct BodyValidator: Sendable {
    func validate(_ body: [UInt8], policy: BodyPolicy) throws(SidecarError) {
        let value: JSONValue
        do {
            value = try StrictJSON.parse(body)
        } catch {
            throw .invalidBody("body is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .object(let members) = value else { throw .invalidBody("body must be a JSON object") }
        switch policy {
        case .jsonObject:
            return
        case .refund:
            guard case .string(let id)? = members["id"], UUIDText.isValid(id) else {
                throw .invalidBody("\"id\" must be a payment UUID string")
            }
            guard case .number(let literal)? = members["amount"], let amount = Double(literal), amount.isFinite, amount > 0 else {
                throw .invalidBody("\"amount\" must be a finite number greater than 0")
            }
        }
    }
}
