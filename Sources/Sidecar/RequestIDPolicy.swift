import HTTP1

/// Chooses the `X-Request-Id` sent upstream. Freedom Pay answers a repeated id with the
/// original response, so a stable id is what makes a retried refund safe.
///
/// 1. A client `X-Request-Id` that is a UUID is used as is.
/// 2. Else an `Idempotency-Key` maps to a UUIDv8 derived from (auth id, route path, action,
///    key): the same on every replica and after restarts, with no shared store, and never the
///    same for two operations (a status read and a refund under one order-level key).
/// 3. Else, for an action whose idempotency is `optional` (a read), a fresh UUIDv7, returned
///    to the client so that it can retry with it; for a `required` one, 428.
///
/// Both headers at once are refused: middleware that stamps a fresh `X-Request-Id` on every
/// attempt would otherwise turn each retry of a keyed refund into a new refund.
struct RequestIDPolicy: Sendable {
    let merchantID: String

    enum Source: String, Sendable {
        case client
        case idempotencyKey = "idempotency-key"
        case generated
    }

    /// Reads only the headers: 400 `invalid_request_id` (bad, repeated, or both headers),
    /// then 428 `idempotency_key_required`. `random` is the calling loop's block (see
    /// `ProxyResponder`).
    func requestID(
        for headers: [HTTPHeader], path: String, action: String, idempotency: IdempotencyRequirement = .required,
        random: RandomBlock = RandomBlock(blockSize: 16)
    ) throws(SidecarError) -> (id: String, source: Source) {
        let explicit = headers.values(named: "X-Request-Id")
        guard explicit.count <= 1 else { throw .invalidRequestID("send X-Request-Id once") }
        if let id = explicit.first, !UUIDText.isValid(id) { throw .invalidRequestID("X-Request-Id must be a UUID") }
        let keys = headers.values(named: "Idempotency-Key")
        guard keys.count <= 1 else { throw .invalidRequestID("send Idempotency-Key once") }
        if let key = keys.first, !(1...255).contains(key.utf8.count) || !key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            throw .invalidRequestID("Idempotency-Key must be 1 to 255 visible ASCII characters")
        }
        switch (explicit.first, keys.first) {
        case (_?, _?):
            throw .invalidRequestID("send Idempotency-Key or X-Request-Id, not both")
        case (let id?, nil):
            return (id, .client)
        case (nil, let key?):
            return (UUIDText.version8(merchantID: merchantID, path: path, action: action, idempotencyKey: key), .idempotencyKey)
        case (nil, nil):
            guard idempotency == .optional else { throw .idempotencyKeyRequired(action) }
            return (UUIDText.version7(random: random), .generated)
        }
    }
}
