/// Whether an action needs a stable request id from the client — `Idempotency-Key` or
/// `X-Request-Id` — before it is forwarded. Without one, a `required` action is a 428
/// `idempotency_key_required`: a client that retries after a 504 without a key would
/// otherwise move money twice. A route marks an action with `"idempotency"` in its
/// `actions` entry; an action it does not mark gets `defaultRequirement(forAction:)`.
public enum IdempotencyRequirement: String, Sendable, CaseIterable {
    case required
    case optional

    /// `optional` for the Gateway's documented reads (`gateway.payment.status`,
    /// `gateway.request.status`), `required` for every other action: money-moving ones
    /// (refund, reverse, clearing, create payment) and any action the sidecar does not know
    /// to be a read. A preset's read actions are marked `optional` in the preset itself.
    public static func defaultRequirement(forAction action: String) -> IdempotencyRequirement {
        switch action {
        case "gateway.payment.status", "gateway.request.status": .optional
        default: .required
        }
    }
}
