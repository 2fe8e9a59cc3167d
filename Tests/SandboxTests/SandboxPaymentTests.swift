import Foundation
import Sandbox
import Testing

@Suite struct SandboxPaymentTests {
    let id = "01978d4f-1a2b-7c3d-8e4f-0123456789ab"

    /// The refusal `body` throws, nil when it succeeds.
    func refusal(_ body: () throws -> Void) -> SandboxRefusal? {
        do {
            try body()
            return nil
        } catch {
            return error as? SandboxRefusal
        }
    }

    @Test func oneStepPaymentIsPaidAndRefundsAddUpToWhatWasCaptured() throws {
        var payment = SandboxPayment.oneStep(id: id, amount: 10000)
        #expect(payment.status == .paid)
        #expect(payment.capturedAmount == 10000)
        try payment.refund(4000, refundID: "r1")
        try payment.refund(5999.99, refundID: "r2")
        #expect(payment.status == .paid, "partial refunds leave a payment paid")
        #expect(payment.refundableAmount == Decimal(string: "0.01"))
        #expect(refusal { try payment.refund(Decimal(string: "0.02")!, refundID: "r3") }?.code == "refund_amount_exceeded")
        try payment.refund(Decimal(string: "0.01")!, refundID: "r4")
        #expect(payment.status == .refunded)
        #expect(payment.refunds.map(\.id) == ["r1", "r2", "r4"], "a refused refund is not recorded")
        #expect(refusal { try payment.refund(1, refundID: "r5") }?.status == 422)
    }

    @Test func oneStepPaymentCannotBeClearedOrReversed() {
        var payment = SandboxPayment.oneStep(id: id, amount: 10000)
        #expect(refusal { try payment.clear() } == .invalidTransition("clearing applies to two-step payments; this one is one-step"))
        #expect(refusal { try payment.reverse() }?.status == 409)
        #expect(payment == .oneStep(id: id, amount: 10000))
    }

    @Test func twoStepPaymentIsAuthorizedAndCannotBeRefundedBeforeClearing() {
        var payment = SandboxPayment.twoStep(id: id, amount: 10000)
        #expect(payment.status == .authorized)
        #expect(payment.capturedAmount == 0)
        let refused = refusal { try payment.refund(1, refundID: "r1") }
        #expect(refused?.status == 409)
        #expect(refused?.code == "invalid_transition")
        #expect(payment.refunds.isEmpty)
    }

    @Test func clearingCapturesUpToTheHeldAmountOnce() throws {
        var payment = SandboxPayment.twoStep(id: id, amount: 10000)
        #expect(refusal { try payment.clear(10000.01) }?.code == "clearing_amount_exceeded")
        #expect(payment.status == .authorized)
        try payment.clear(7000)
        #expect(payment.status == .paid)
        #expect(payment.capturedAmount == 7000)
        #expect(refusal { try payment.clear(1) }?.status == 409, "one clearing per payment")
        #expect(refusal { try payment.reverse() }?.status == 409, "a cleared payment is refunded, not reversed")
        try payment.refund(2500, refundID: "r1")
        #expect(
            refusal { try payment.refund(4500.01, refundID: "r2") }?.code == "refund_amount_exceeded",
            "refunds are against what was captured")
        try payment.refund(4500, refundID: "r3")
        #expect(payment.status == .refunded)
    }

    @Test func clearingWithoutAnAmountCapturesEverythingHeld() throws {
        var payment = SandboxPayment.twoStep(id: id, amount: 10000)
        try payment.clear()
        #expect(payment.capturedAmount == 10000)
    }

    @Test func reverseReleasesTheHoldAndEndsThePayment() throws {
        var payment = SandboxPayment.twoStep(id: id, amount: 10000)
        try payment.reverse()
        #expect(payment.status == .reversed)
        #expect(refusal { try payment.reverse() } == .invalidTransition("the payment is already reversed"))
        #expect(refusal { try payment.clear() }?.status == 409)
        #expect(refusal { try payment.refund(1, refundID: "r1") }?.status == 409)
        #expect(payment.capturedAmount == 0)
    }

    @Test func ledgerCreatesPaymentsOnFirstUseByIdForm() throws {
        var ledger = PaymentLedger()
        #expect(ledger.payment(id).status == .paid)
        let twoStep = "00000002-0000-4000-8000-000000000001"
        #expect(PaymentLedger.isTwoStep(twoStep))
        #expect(ledger.payment(twoStep).status == .authorized)
        #expect(ledger.payment(twoStep).amount == PaymentLedger.paymentAmount)
        _ = try ledger.update(twoStep) { (payment) throws(SandboxRefusal) in try payment.clear(10) }
        #expect(ledger.payment(twoStep.uppercased()).capturedAmount == 10, "ids compare without regard to case")
        #expect(throws: SandboxRefusal.self) {
            try ledger.update(twoStep) { (payment) throws(SandboxRefusal) in try payment.refund(11, refundID: "r") }
        }
        #expect(ledger.payment(twoStep).refunds.isEmpty, "a refused change leaves the payment as it was")
    }
}
