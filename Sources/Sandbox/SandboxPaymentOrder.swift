import FoundationEssentials
import JSONCore

/// What the sandbox takes from a create payment body (`POST /v5/g2g/create`,
/// `gateway.payment.create`; the body of the Async API overview's example,
/// https://docs.freedompay.kz/doc-650923): the merchant's `order_id`, the `amount`, and
/// `auto_clearing`, which makes the payment one-step (`true`: paid at once) or two-step
/// (`false`: the amount is held until clearing or reverse, as
/// https://docs.freedompay.kg/doc-833002 describes `pg_auto_clearing`).
///
/// The card (`from.card`) is required but never kept: the sandbox emulates an approval for
/// any card and stores no card data. Other members are ignored, as elsewhere in the sandbox.
public struct SandboxPaymentOrder: Sendable, Equatable {
    public var orderID: String
    public var amount: Decimal
    public var autoClearing: Bool

    public init(orderID: String, amount: Decimal, autoClearing: Bool) {
        self.orderID = orderID
        self.amount = amount
        self.autoClearing = autoClearing
    }

    /// Reads a create payment body's members; a missing or malformed field is a 400.
    public static func parse(_ members: [String: JSONValue]) throws(SandboxRefusal) -> SandboxPaymentOrder {
        guard case .number(let literal)? = members["amount"], let amount = Decimal(string: literal), amount > 0 else {
            throw .invalidBody("\"amount\" must be a number greater than 0")
        }
        guard case .string(let orderID)? = members["order_id"], !orderID.isEmpty else {
            throw .invalidBody("\"order_id\" must be a non-empty string")
        }
        guard case .bool(let autoClearing)? = members["auto_clearing"] else {
            throw .invalidBody("\"auto_clearing\" must be true (one-step) or false (two-step)")
        }
        guard case .object(let from)? = members["from"], case .object? = from["card"] else {
            throw .invalidBody("\"from\" must hold the payer's \"card\"")
        }
        return SandboxPaymentOrder(orderID: orderID, amount: amount, autoClearing: autoClearing)
    }
}
