import HTTP1

/// Chooses the `X-Request-Id` sent upstream. Freedom Pay answers a repeated id with the
/// original response, so a stable id is what makes a retried refund safe.
///
/// 1. A client `X-Request-Id` that is a UUID is used as is.
/// 2. Else an `Idempotency-Key` maps to a UUIDv8 derived from (auth id, route path, action,
///    key): the same on every replica and after restarts, with no shared store, and never the
///    same for two operations (a status read and a refund under one order-level key).
/// 3. Else a fresh UUIDv7, returned to the client so that it can retry with it.
struct RequestIDPolicy: Sendable {
    let merchantID: String

    enum Source: String, Sendable {
        case client
        case idempotencyKey = "idempotency-key"
        case generated
    }

    /// `random` is the calling loop's block (see `ProxyResponder`).
    func requestID(for headers: [HTTPHeader], path: String, action: String, random: RandomBlock = RandomBlock(blockSize: 16)) throws(SidecarError) -> (id: String, source: Source) {
        let explicit = headers.values(named: "X-Request-Id")
        if !explicit.isEmpty {
            guard explicit.count == 1 else { throw .invalidRequestID("send X-Request-Id once") }
            guard UUIDText.isValid(explicit[0]) else { throw .invalidRequestID("X-Request-Id must be a UUID") }
            return (explicit[0], .client)
        }
        let keys = headers.values(named: "Idempotency-Key")
        if !keys.isEmpty {
            guard keys.count == 1 else { throw .invalidRequestID("send Idempotency-Key once") }
            let key = keys[0]
            guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw .invalidRequestID("Idempotency-Key must be 1 to 255 visible ASCII characters")
            }
            return (UUIDText.version8(merchantID: merchantID, path: path, action: action, idempotencyKey: key), .idempotencyKey)
        }
        return (UUIDText.version7(random: random), .generated)
    }
}
