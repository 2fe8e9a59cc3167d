import FoundationEssentials

/// Why the sandbox declined a request: an HTTP status, a stable code and a message.
///
/// Freedom Pay's g2g pages document the `x-request-status` response header but show no
/// error body, so the body `{"code": "…", "message": "…"}` is the sandbox's own shape.
public struct SandboxRefusal: Error, Sendable, Equatable {
    public var status: Int
    public var code: String
    public var message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// The body is not what the action expects.
    public static func invalidBody(_ message: String) -> SandboxRefusal {
        SandboxRefusal(status: 400, code: "invalid_body", message: message)
    }

    /// The operation does not apply to the payment in its current state (409).
    public static func invalidTransition(_ message: String) -> SandboxRefusal {
        SandboxRefusal(status: 409, code: "invalid_transition", message: message)
    }

    /// A refund beyond what was captured and not yet refunded (422).
    public static func refundAmountExceeded(requested: Decimal, left: Decimal) -> SandboxRefusal {
        SandboxRefusal(
            status: 422, code: "refund_amount_exceeded", message: "refund of \(requested) exceeds the \(left) left on the payment")
    }

    /// A clearing beyond the amount held (422).
    public static func clearingAmountExceeded(requested: Decimal, held: Decimal) -> SandboxRefusal {
        SandboxRefusal(
            status: 422, code: "clearing_amount_exceeded", message: "clearing of \(requested) exceeds the \(held) held on the payment")
    }

    /// A read request for a request id the sandbox never answered (404).
    public static let requestNotFound = SandboxRefusal(
        status: 404, code: "request_not_found", message: "no answered request has this request_id")

    /// Create payment with an `order_id` the sandbox already has a payment for (400).
    public static func duplicateOrderID(_ orderID: String) -> SandboxRefusal {
        SandboxRefusal(status: 400, code: "duplicate_order_id", message: "order_id \(orderID) already has a payment")
    }

    /// A read by an `order_id` no created payment has (404).
    public static func paymentNotFound(orderID: String) -> SandboxRefusal {
        SandboxRefusal(status: 404, code: "payment_not_found", message: "no payment has order_id \(orderID)")
    }

    /// A read whose `id` and `order_id` name two different payments (400).
    public static let paymentMismatch = SandboxRefusal(
        status: 400, code: "payment_mismatch", message: "id and order_id name different payments")
}
