import FoundationEssentials
import HTTP1
import MerchantAPI
import Upstream

/// The Merchant API scripts the sandbox emulates, by path.
enum MerchantSandboxScript: String {
    case initPayment = "/init_payment.php"
    case status = "/get_status3.php"
    case refund = "/revoke.php"
    case clearing = "/do_capture.php"
    case cancel = "/cancel.php"

    init?(path: String) { self.init(rawValue: path) }

    var name: String { String(rawValue.dropFirst()) }
}

/// The Merchant API on the same `PaymentLedger` as the g2g emulation: forms in, signed XML
/// `<response>` documents out ("Query Mechanics", "Signature generation").
///
/// - Every request's `pg_sig` must verify with the merchant's secret for the script called,
///   and `pg_merchant_id` must be the merchant's; otherwise an unsigned error answer with
///   `pg_error_code` 9998 (merchant not identified) or the sandbox's own 9999 (bad signature).
/// - `init_payment.php` records a payment with a new numeric `pg_payment_id` and answers
///   with a redirect URL to a sandbox payment page (`http://sandbox.invalid/pay.html`, whose
///   path and query `SandboxCheckout` serves on the sandbox's own listener): the sandbox counts the payment as paid by the customer at once, one-step, or
///   held for clearing (two-step) when `pg_auto_clearing` is `0`.
/// - `get_status3.php` answers the payment's state with nested `<pg_refund_payments>`;
///   `revoke.php` (`pg_refund_amount`, all that is left when absent), `do_capture.php`
///   (`pg_clearing_amount`, all held when absent) and `cancel.php` move it as `SandboxPayment`
///   allows. A refusal is a signed answer with `pg_status` `error`, the sandbox's own
///   `pg_error_code` (its HTTP-like status) and `pg_error_description`.
/// - The Merchant API echoes no request id: a repeated call is a new operation here too.
extension SandboxEmulator {
    func handleMerchantAPI(_ script: MerchantSandboxScript, method: String, headers: [HTTPHeader], body: [UInt8]) -> UpstreamResponse {
        guard let secret = signatureCheck.currentKey().sharedSecret else {
            return Self.xml(Self.unsigned(code: "9998", "the sandbox's key is not a Merchant API secret"))
        }
        let fields: [MerchantField]
        let message: PGSigMessage
        do {
            guard method == "POST", let contentType = headers.first(named: "Content-Type") else {
                throw FormReadError(.unsupportedContentType)
            }
            fields = try FormReader.read(body: body, contentType: String(contentType), policy: .verifying)
            message = try PGSigMessage(formFields: fields, allowsRepeatedNames: true, strictNames: false)
        } catch {
            return Self.xml(Self.unsigned(code: "9999", "the request is not a form the sandbox reads: \(error)"))
        }
        let value = { (name: String) in fields.last { $0.name == name }?.value }
        guard value("pg_merchant_id") == signatureCheck.merchantID else {
            return Self.xml(Self.unsigned(code: "9998", "unknown pg_merchant_id"))
        }
        guard PGSignature.check(script: script.name, message: message, secret: secret) == .verified else {
            return Self.xml(Self.unsigned(code: "9999", "pg_sig does not verify"))
        }
        let result: Result<[XMLElement], SandboxRefusal> = state.withLock { state in
            do throws(SandboxRefusal) {
                return .success(try perform(script, value: value, state: &state))
            } catch {
                return .failure(error)
            }
        }
        let answer: [XMLElement]
        switch result {
        case .success(let fields): answer = fields
        case .failure(let error):
            answer = [
                Self.leaf("pg_status", "error"), Self.leaf("pg_error_code", String(error.status)),
                Self.leaf("pg_error_description", "\(error.code): \(error.message)"),
            ]
        }
        return Self.xml(Self.signed(answer, script: script.name, secret: secret))
    }

    private func perform(_ script: MerchantSandboxScript, value: (String) -> String?, state: inout State) throws(SandboxRefusal)
        -> [XMLElement]
    {
        if script == .initPayment {
            guard let amount = try Self.amount(value("pg_amount"), name: "pg_amount") else { throw .invalidBody("pg_amount is required") }
            guard value("pg_order_id") != nil, value("pg_description") != nil else {
                throw .invalidBody("pg_order_id and pg_description are required")
            }
            state.lastMerchantPaymentNumber += 1
            let id = String(state.lastMerchantPaymentNumber)
            let twoStep = value("pg_auto_clearing") == "0"
            state.ledger.add(twoStep ? .twoStep(id: id, amount: amount) : .oneStep(id: id, amount: amount))
            return [
                Self.leaf("pg_status", "ok"), Self.leaf("pg_payment_id", id),
                Self.leaf("pg_redirect_url", "http://sandbox.invalid/pay.html?customer=\(id)"),
                Self.leaf("pg_redirect_url_type", "need data"),
            ]
        }
        guard let id = value("pg_payment_id"), state.ledger.existing(id) != nil else {
            throw SandboxRefusal(status: 404, code: "payment_not_found", message: "no payment has this pg_payment_id")
        }
        switch script {
        case .initPayment, .status:
            break
        case .refund:
            let payment = state.ledger.existing(id)!
            let amount = try Self.amount(value("pg_refund_amount"), name: "pg_refund_amount") ?? payment.refundableAmount
            state.lastMerchantPaymentNumber += 1
            let refundID = String(state.lastMerchantPaymentNumber)
            _ = try state.ledger.update(id) { (payment) throws(SandboxRefusal) in try payment.refund(amount, refundID: refundID) }
        case .clearing:
            let amount = try Self.amount(value("pg_clearing_amount"), name: "pg_clearing_amount")
            _ = try state.ledger.update(id) { (payment) throws(SandboxRefusal) in try payment.clear(amount) }
        case .cancel:
            _ = try state.ledger.update(id) { (payment) throws(SandboxRefusal) in try payment.reverse() }
        }
        return [Self.leaf("pg_status", "ok")] + Self.status(of: state.ledger.existing(id)!)
    }

    /// The status answer's fields, as "Get payment status" shows them.
    private static func status(of payment: SandboxPayment) -> [XMLElement] {
        let status: String =
            switch payment.status {
            case .authorized, .paid: "success"
            case .refunded: "refunded"
            case .reversed: "revoked"
            }
        var fields = [
            leaf("pg_payment_id", payment.id), leaf("pg_can_reject", payment.status == .authorized ? "1" : "0"),
            leaf("pg_amount", text(payment.amount)), leaf("pg_currency", "KZT"), leaf("pg_payment_status", status),
            leaf("pg_clearing_amount", text(payment.capturedAmount)), leaf("pg_captured", payment.capturedAmount > 0 ? "1" : "0"),
        ]
        if !payment.refunds.isEmpty {
            fields.append(
                XMLElement(
                    name: "pg_refund_payments",
                    children: payment.refunds.map { refund in
                        XMLElement(
                            name: "pg_refund_payment",
                            children: [
                                leaf("pg_payment_id", refund.id), leaf("pg_payment_status", "success"),
                                leaf("pg_amount", text(-refund.amount)),
                            ])
                    }))
        }
        fields.append(leaf("pg_refund_amount", text(-payment.refundedAmount)))
        return fields
    }

    private static func amount(_ text: String?, name: String) throws(SandboxRefusal) -> Decimal? {
        guard let text else { return nil }
        guard let amount = Decimal(string: text), amount > 0, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || $0 == 0x2E }) else {
            throw .invalidBody("\(name) must be a positive decimal number")
        }
        return amount
    }

    private static func text(_ value: Decimal) -> String { value == 0 ? "0" : value.description }

    private static func leaf(_ name: String, _ text: String) -> XMLElement { XMLElement(name: name, text: text) }

    /// `fields` with `pg_salt` and `pg_sig` for `script`, nested groups included.
    private static func signed(_ fields: [XMLElement], script: String, secret: [UInt8]) -> XMLElement {
        var root = XMLElement(name: "response", children: fields + [leaf("pg_salt", PGSalt.random())])
        root.children.append(leaf("pg_sig", PGSignature.signature(script: script, message: PGSigMessage(xmlRoot: root), secret: secret)))
        return root
    }

    /// An answer for a request the sandbox cannot attribute to the merchant: no salt, no sig.
    private static func unsigned(code: String, _ description: String) -> XMLElement {
        XMLElement(
            name: "response",
            children: [leaf("pg_status", "error"), leaf("pg_error_code", code), leaf("pg_error_description", description)])
    }

    private static func xml(_ root: XMLElement) -> UpstreamResponse {
        // The sandbox writes only names and texts it chose; nothing here can be refused.
        let body = (try? XMLResponseWriter.document(root)) ?? []
        let headers = [
            HTTPHeader(name: "content-type", value: "application/xml; charset=utf-8"),
            HTTPHeader(name: "x-freedompay-sandbox", value: "emulated"),
        ]
        return UpstreamResponse(status: 200, headers: headers, body: body, attempts: 1)
    }
}
