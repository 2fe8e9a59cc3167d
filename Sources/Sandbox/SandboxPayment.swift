import FoundationEssentials

/// One emulated payment and the transitions Freedom Pay's docs allow it:
///
///     one-step:  paid ──refund*──▶ paid … refunded (everything captured is refunded)
///     two-step:  authorized ──clearing(≤ held)──▶ paid ──refund*──▶ … refunded
///                authorized ──reverse──▶ reversed
///
/// - Clearing and reverse ("cancel") apply to two-step payments only, and only before
///   clearing; one clearing per payment, up to the held amount (a smaller clearing captures
///   less and releases the rest).
/// - Refunds apply once funds were captured (a one-step payment, a cleared two-step
///   payment), never to an authorized one; they add up and never exceed what was captured.
///
/// Source: https://docs.freedompay.kg/doc-833002 (one-step/two-step payments, cancel,
/// clearing, refund). The status names are the sandbox's own: the g2g pages publish no
/// status vocabulary.
public struct SandboxPayment: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Two-step: the amount is held on the payer's card, nothing is captured.
        case authorized
        /// Funds captured: a one-step payment, or a two-step payment after clearing.
        /// Partial refunds leave a payment paid.
        case paid
        /// Everything captured has been refunded.
        case refunded
        /// A two-step payment cancelled before clearing; the hold is released.
        case reversed
    }

    public struct Refund: Sendable, Equatable {
        public var id: String
        public var amount: Decimal
    }

    public let id: String
    /// Two-step (`auto_clearing: false` in the create-payment docs) or one-step.
    public let isTwoStep: Bool
    /// What was paid (one-step) or held (two-step).
    public let amount: Decimal
    /// The merchant's `order_id` of a payment made by create payment; nil for the payments
    /// `PaymentLedger` makes up on first use of an id.
    public var orderID: String?
    public private(set) var status: Status
    /// What was captured: all of `amount` for a one-step payment, the cleared amount for a
    /// two-step one, 0 before clearing.
    public private(set) var capturedAmount: Decimal
    public private(set) var refunds: [Refund] = []

    public var refundedAmount: Decimal { refunds.reduce(Decimal(0)) { $0 + $1.amount } }
    public var refundableAmount: Decimal { capturedAmount - refundedAmount }

    /// A one-step payment: authorized and captured at once.
    public static func oneStep(id: String, amount: Decimal) -> SandboxPayment {
        SandboxPayment(id: id, isTwoStep: false, amount: amount, orderID: nil, status: .paid, capturedAmount: amount)
    }

    /// A two-step payment: `amount` held, waiting for clearing or reverse.
    public static func twoStep(id: String, amount: Decimal) -> SandboxPayment {
        SandboxPayment(id: id, isTwoStep: true, amount: amount, orderID: nil, status: .authorized, capturedAmount: 0)
    }

    /// Captures `requested` (all of the held amount when nil) of an authorized payment.
    public mutating func clear(_ requested: Decimal? = nil) throws(SandboxRefusal) {
        guard isTwoStep else { throw .invalidTransition("clearing applies to two-step payments; this one is one-step") }
        guard status == .authorized else {
            throw .invalidTransition("clearing needs an authorized payment; this one is \(status.rawValue)")
        }
        let clearing = requested ?? amount
        guard clearing > 0 else { throw .invalidBody("amount must be greater than 0") }
        guard clearing <= amount else { throw .clearingAmountExceeded(requested: clearing, held: amount) }
        capturedAmount = clearing
        status = .paid
    }

    /// Cancels an authorized payment before clearing, releasing the hold.
    public mutating func reverse() throws(SandboxRefusal) {
        guard isTwoStep else { throw .invalidTransition("reverse applies to two-step payments; refund this one-step payment instead") }
        guard status == .authorized else {
            throw .invalidTransition(
                status == .reversed
                    ? "the payment is already reversed" : "the payment is \(status.rawValue): refund it instead of reversing")
        }
        status = .reversed
    }

    /// Returns `requested` of what was captured; refunds add up and never exceed it.
    @discardableResult
    public mutating func refund(_ requested: Decimal, refundID: String) throws(SandboxRefusal) -> Refund {
        switch status {
        case .authorized: throw .invalidTransition("the payment is authorized, not captured: clear it or reverse it")
        case .reversed: throw .invalidTransition("the payment is reversed: nothing was captured")
        case .paid, .refunded: break
        }
        guard requested > 0 else { throw .invalidBody("amount must be greater than 0") }
        let left = refundableAmount
        guard requested <= left else { throw .refundAmountExceeded(requested: requested, left: left) }
        let refund = Refund(id: refundID, amount: requested)
        refunds.append(refund)
        if refundableAmount == 0 { status = .refunded }
        return refund
    }
}
