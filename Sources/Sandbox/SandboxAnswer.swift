import FoundationEssentials
import HTTP1
import HTTPServer
import JSONCore
import Upstream

/// The sandbox's HTTP answers: Freedom Pay's documented response headers (`x-request-id`,
/// `x-request-status`, `x-datetime`), a JSON body, and `x-freedompay-sandbox: emulated` on
/// every answer, so that an emulated refund is never mistaken for a real one.
enum SandboxAnswer {
    static func success(_ object: [String: JSONValue], requestID: String) -> UpstreamResponse {
        response(status: 200, body: JSONWriter.serialize(.object(object)), requestID: requestID)
    }

    static func refusal(_ refusal: SandboxRefusal, requestID: String?) -> UpstreamResponse {
        response(status: refusal.status, body: body(of: refusal), requestID: requestID)
    }

    static func response(status: Int, body: [UInt8], requestID: String?) -> UpstreamResponse {
        var headers = [HTTPHeader(name: "content-type", value: "application/json")]
        if let requestID { headers.append(HTTPHeader(name: "x-request-id", value: requestID)) }
        headers.append(HTTPHeader(name: "x-request-status", value: status == 200 ? "success" : "error"))
        headers.append(HTTPHeader(name: "x-datetime", value: Date().formatted(.iso8601)))
        headers.append(HTTPHeader(name: "x-freedompay-sandbox", value: "emulated"))
        return UpstreamResponse(status: status, headers: headers, body: body, attempts: 1)
    }

    /// What the standalone sandbox answers to a request its server could not read.
    static func failure(_ failure: HTTPServerFailure) -> HTTPResponse {
        let refusal: SandboxRefusal
        switch failure {
        case .requestTimedOut:
            refusal = SandboxRefusal(status: 408, code: "request_timeout", message: "the request was not received in time")
        case .malformed(let error): refusal = SandboxRefusal(status: error.status, code: error.code, message: error.message)
        case .tooManyConnections: refusal = SandboxRefusal(status: 503, code: "overloaded", message: "too many open connections")
        case .overloaded: refusal = SandboxRefusal(status: 503, code: "overloaded", message: "too many request bodies in memory")
        }
        let answer = SandboxAnswer.refusal(refusal, requestID: nil)
        return HTTPResponse(status: answer.status, headers: answer.headers, body: answer.body)
    }

    private static func body(of refusal: SandboxRefusal) -> [UInt8] {
        JSONWriter.serialize(.object(["code": .string(refusal.code), "message": .string(refusal.message)]))
    }

    /// `gateway.payment.status`: state, amounts and refunds. The field names follow the Sync
    /// API's status answer without its `pg_` prefix (`clearing_amount`, `refund_amount` as a
    /// negative sum, `refund_payments` with negative amounts), plus `status` and
    /// `auto_clearing` (the create-payment docs' name for one-step).
    static func status(of payment: SandboxPayment) -> [String: JSONValue] {
        var status: [String: JSONValue] = [
            "id": .string(payment.id),
            "status": .string(payment.status.rawValue),
            "auto_clearing": .bool(!payment.isTwoStep),
            "amount": number(payment.amount),
            "clearing_amount": number(payment.capturedAmount),
            "refund_amount": number(-payment.refundedAmount),
            "refund_payments": .array(
                payment.refunds.map { refund in
                    // The refund answer says "process", as in the docs' example; the sandbox
                    // settles a refund at once, so a later read says "success".
                    .object(["id": .string(refund.id), "status": .string("success"), "amount": number(-refund.amount)])
                }),
        ]
        if let orderID = payment.orderID { status["order_id"] = .string(orderID) }
        return status
    }

    /// `gateway.payment.refund`, as in the docs' example: the payment id and amount, and the
    /// new refund payment with status "process" and a negative amount.
    static func refund(_ refund: SandboxPayment.Refund, of payment: SandboxPayment) -> [String: JSONValue] {
        [
            "id": .string(payment.id),
            "amount": number(payment.amount),
            "refund_payment": .object([
                "id": .string(refund.id), "status": .string("process"), "amount": number(-refund.amount),
            ]),
        ]
    }

    /// `gateway.payment.clearing` and `gateway.payment.reverse`: the docs show no answer
    /// body; the sandbox answers with the payment's id, status and amounts.
    static func transition(of payment: SandboxPayment) -> [String: JSONValue] {
        [
            "id": .string(payment.id),
            "status": .string(payment.status.rawValue),
            "amount": number(payment.amount),
            "clearing_amount": number(payment.capturedAmount),
        ]
    }

    /// A decimal as a JSON number; 0 is never written as "-0".
    static func number(_ value: Decimal) -> JSONValue {
        .number(value == 0 ? "0" : value.description)
    }
}
