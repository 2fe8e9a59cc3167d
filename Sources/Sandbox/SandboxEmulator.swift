import FoundationEssentials
import HTTP1
import SocketLoop
import Synchronization
import Upstream

/// An in-memory stand-in for Freedom Pay's g2g Async API, so that the sidecar does its real
/// job on a machine with no merchant account. It is a second upstream: the sidecar sends it
/// requests exactly as it would send them to Freedom Pay.
///
/// Every request is checked like the real API would: `X-Request-Id` must be a UUID (400),
/// `X-JWS-Signature` must verify over the body with the expected JOSE header (401), and the
/// (path, `X-Action`) pair must be one of `SandboxOperation.actions` (400; another path is a
/// 404). A repeated `X-Request-Id` returns the original response, refusals included. Payments
/// live in a `PaymentLedger` (see there for one-step and two-step payment ids) and move as
/// `SandboxPayment` describes; operations that do not apply are refused with a 4xx
/// (`SandboxRefusal`).
///
/// What this relies on from Freedom Pay's public docs:
/// - create payment on `/v5/g2g/create` with the Async API overview's body
///   (https://docs.freedompay.kz/doc-650923): see `SandboxPaymentOrder`; its action name
///   `gateway.payment.create` is the sidecar's documented choice (no page prints one), and
///   its answer (none is published) is the read payment answer of the new payment;
/// - the g2g endpoints `/v5/g2g/read` and `/v5/g2g/edit`, their X-Action values
///   `gateway.payment.status`, `gateway.payment.refund`, `gateway.payment.reverse`,
///   `gateway.payment.clearing`, the read body `{"id"}` / `{"order_id"}`, and "if the same
///   request_id is sent more than once, the API guarantees idempotent behavior and returns
///   the original response": https://docs.freedompay.kz/api-9587007 (read payment),
///   https://docs.freedompay.kz/api-9587010 (edit payment.reverse),
///   https://docs.freedompay.kz/overview-650923m0 (Async API overview);
/// - one-step and two-step payments, clearing of the held amount, cancel before clearing
///   for two-step payments only, refunds only of captured funds:
///   https://docs.freedompay.kg/doc-833002;
/// - the refund answer `{"id", "amount", "refund_payment": {"id", "status": "process",
///   "amount": -…}}` and the response headers `x-request-id`, `x-request-status`,
///   `x-datetime`: the refund page, https://docs.freedompay.kz/api-9587009;
/// - the status fields `clearing_amount`, `refund_amount`, `refund_payments` (the Sync API's
///   status answer, `pg_`-prefixed there): https://freedompay.kz/docs-en/merchant-api/after-pay.
///
/// What it assumes, because the pages found do not say:
/// - "read request" (https://docs.freedompay.kz/get-request-result-9587008e0, "Get request
///   result") is `POST /v5/g2g/read` with `X-Action: gateway.request.status` (named after
///   `gateway.payment.status`) and body `{"request_id": uuid}` (as the Card API's
///   `/v5/card-api/request/status`); it answers with the original status and body;
/// - clearing's body is `{"id", "amount"}` with the amount optional, reverse's is `{"id"}`;
///   both answer with the payment's id, status and amounts;
/// - the error body `{"code", "message"}`, the status names (`authorized`, `paid`,
///   `refunded`, `reversed`), 409 for an operation that does not apply to the payment's state
///   and 422 for an amount beyond what is held or left;
/// - one clearing per payment; a refund is settled at once (its answer says "process" as in
///   the docs' example, later reads say "success"); new refund ids are random UUIDs.
public final class SandboxEmulator: UpstreamClient {
    let signatureCheck: SandboxSignatureCheck
    /// Shared by the g2g and the Merchant API emulation (`SandboxEmulator+MerchantAPI.swift`).
    let state = Mutex(State())

    struct State {
        var ledger = PaymentLedger()
        /// The last Merchant API payment or refund number handed out.
        var lastMerchantPaymentNumber = 4_567_000
        /// Every answer given after the signature verified, by its request id (lowercased).
        var responses: [String: UpstreamResponse] = [:]
    }

    public init(signatureCheck: SandboxSignatureCheck) {
        self.signatureCheck = signatureCheck
    }

    public func send(_ request: UpstreamRequest, on loop: EventLoop, completion: @escaping UpstreamCompletion) {
        completion(.success(handle(method: request.method, path: URLPath.of(request.url), headers: request.headers, body: request.body)), 1)
    }

    /// The answer to one request, as Freedom Pay would give it.
    public func handle(method: String, path: String, headers: [HTTPHeader], body: [UInt8]) -> UpstreamResponse {
        if let script = MerchantSandboxScript(path: path) { return handleMerchantAPI(script, method: method, headers: headers, body: body) }
        guard method == "POST", let actions = SandboxOperation.actions[path] else {
            return SandboxAnswer.refusal(
                SandboxRefusal(
                    status: 404, code: "not_found", message: "the sandbox emulates POST /v5/g2g/create, /v5/g2g/read and /v5/g2g/edit"),
                requestID: nil)
        }
        let requestID = headers.first(named: "X-Request-Id")
        guard let requestID, requestID.utf8.count == 36, UUID(uuidString: requestID) != nil else {
            return SandboxAnswer.refusal(
                SandboxRefusal(status: 400, code: "invalid_request_id", message: "X-Request-Id must be a UUID"), requestID: requestID)
        }
        guard signatureCheck.verifies(headers.first(named: "X-JWS-Signature"), method: method, path: path, body: body) else {
            return SandboxAnswer.refusal(
                SandboxRefusal(status: 401, code: "invalid_signature", message: "X-JWS-Signature does not verify"), requestID: requestID)
        }
        guard let action = headers.first(named: "X-Action"), actions.contains(action) else {
            return SandboxAnswer.refusal(
                SandboxRefusal(
                    status: 400, code: "unsupported_action", message: "the sandbox emulates \(actions.joined(separator: ", ")) on \(path)"),
                requestID: requestID)
        }
        return state.withLock { state in
            if let original = state.responses[requestID.lowercased()] { return original }
            let response: UpstreamResponse
            do throws(SandboxRefusal) {
                response = try perform(try SandboxOperation.parse(action: action, body: body), requestID: requestID, state: &state)
            } catch {
                response = SandboxAnswer.refusal(error, requestID: requestID)
            }
            state.responses[requestID.lowercased()] = response
            return response
        }
    }

    private func perform(_ operation: SandboxOperation, requestID: String, state: inout State) throws(SandboxRefusal) -> UpstreamResponse {
        switch operation {
        case .createPayment(let order):
            let payment = try state.ledger.create(order, id: UUID().uuidString.lowercased())
            return SandboxAnswer.success(SandboxAnswer.status(of: payment), requestID: requestID)
        case .paymentStatus(let id, let orderID):
            return SandboxAnswer.success(SandboxAnswer.status(of: try state.ledger.payment(id: id, orderID: orderID)), requestID: requestID)
        case .requestStatus(let original):
            guard let answer = state.responses[original.lowercased()] else { throw .requestNotFound }
            return SandboxAnswer.response(status: answer.status, body: answer.body, requestID: requestID)
        case .refund(let id, let amount):
            let refundID = UUID().uuidString.lowercased()
            let (refund, payment) = try state.ledger.update(id) { (payment) throws(SandboxRefusal) in
                try payment.refund(amount, refundID: refundID)
            }
            return SandboxAnswer.success(SandboxAnswer.refund(refund, of: payment), requestID: requestID)
        case .clearing(let id, let amount):
            let (_, payment) = try state.ledger.update(id) { (payment) throws(SandboxRefusal) in try payment.clear(amount) }
            return SandboxAnswer.success(SandboxAnswer.transition(of: payment), requestID: requestID)
        case .reverse(let id):
            let (_, payment) = try state.ledger.update(id) { (payment) throws(SandboxRefusal) in try payment.reverse() }
            return SandboxAnswer.success(SandboxAnswer.transition(of: payment), requestID: requestID)
        }
    }
}
