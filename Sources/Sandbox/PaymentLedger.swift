import FoundationEssentials

/// The sandbox's payments, by id. A payment comes into being by create payment
/// (`create(_:id:)`, one-step or two-step by the order's `auto_clearing`, with its amount and
/// `order_id`), or, for a payment id the sandbox has not seen before, on first use, as
///
/// - a **two-step** payment, authorized for 10000 and waiting for clearing or reverse, when
///   the id's first group is `00000002` ("2" for two-step), for example
///   `00000002-0000-4000-8000-000000000001`;
/// - a **one-step** payment, paid 10000, for every other UUID.
///
/// Ids are compared without regard to ASCII case.
public struct PaymentLedger: Sendable {
    /// The amount of every emulated payment.
    public static let paymentAmount = Decimal(10000)
    /// The first UUID group that marks a two-step payment id.
    public static let twoStepPrefix = "00000002-"

    private var payments: [String: SandboxPayment] = [:]
    /// The lowercased id of each created payment, by its merchant `order_id` (exact bytes).
    private var orders: [String: String] = [:]

    public init() {}

    /// Whether a payment id the sandbox has not seen is a two-step payment.
    public static func isTwoStep(_ id: String) -> Bool {
        id.lowercased().hasPrefix(twoStepPrefix)
    }

    /// The payment with this id, as it is now (created on first use).
    public mutating func payment(_ id: String) -> SandboxPayment {
        let key = id.lowercased()
        if let payment = payments[key] { return payment }
        let payment =
            PaymentLedger.isTwoStep(key)
            ? SandboxPayment.twoStep(id: id, amount: PaymentLedger.paymentAmount)
            : SandboxPayment.oneStep(id: id, amount: PaymentLedger.paymentAmount)
        payments[key] = payment
        return payment
    }

    /// The payment with this id if it exists; never creates one (the Merchant API's ids).
    public func existing(_ id: String) -> SandboxPayment? {
        payments[id.lowercased()]
    }

    /// Records a payment created by a call (the Merchant API's `init_payment.php`).
    public mutating func add(_ payment: SandboxPayment) {
        payments[payment.id.lowercased()] = payment
    }

    /// Creates payment `id` for `order`: one-step (paid) with `auto_clearing: true`, else
    /// two-step (authorized). An `order_id` already used is refused (400 `duplicate_order_id`):
    /// the sandbox's strict reading of an order id as the merchant's unique key for a payment.
    public mutating func create(_ order: SandboxPaymentOrder, id: String) throws(SandboxRefusal) -> SandboxPayment {
        guard orders[order.orderID] == nil else { throw .duplicateOrderID(order.orderID) }
        var payment =
            order.autoClearing
            ? SandboxPayment.oneStep(id: id, amount: order.amount) : SandboxPayment.twoStep(id: id, amount: order.amount)
        payment.orderID = order.orderID
        payments[id.lowercased()] = payment
        orders[order.orderID] = id.lowercased()
        return payment
    }

    /// The payment a read names by `id`, `order_id` or both. An unknown `order_id` is a 404
    /// (`payment_not_found`); an `id` and an `order_id` of two different payments are a 400
    /// (`payment_mismatch`); an `id` alone is `payment(_:)` (created on first use).
    public mutating func payment(id: String?, orderID: String?) throws(SandboxRefusal) -> SandboxPayment {
        guard let orderID else { return payment(id ?? "") }
        guard let key = orders[orderID], let payment = payments[key] else { throw .paymentNotFound(orderID: orderID) }
        if let id, id.lowercased() != key { throw .paymentMismatch }
        return payment
    }

    /// Applies `change` to the payment; a refused change leaves it as it was.
    public mutating func update<Result>(
        _ id: String, _ change: (inout SandboxPayment) throws(SandboxRefusal) -> Result
    ) throws(SandboxRefusal) -> (Result, SandboxPayment) {
        var payment = payment(id)
        let result = try change(&payment)
        payments[id.lowercased()] = payment
        return (result, payment)
    }
}
