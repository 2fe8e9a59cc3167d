import FoundationEssentials

/// The sandbox's payments, by id. The sandbox has no create call: a payment id it has not
/// seen before comes into being on first use, as
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
