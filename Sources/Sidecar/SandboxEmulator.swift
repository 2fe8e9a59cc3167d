import FoundationEssentials
import FreedomPayJWS
import HTTP1
import HTTPServer
import JSONCore
import SocketLoop
import Synchronization
import Upstream

/// An in-memory stand-in for Freedom Pay's g2g refund endpoint, so the sidecar does its real
/// job on a machine with no merchant account. It verifies the JWS like the real API, answers
/// a repeated `X-Request-Id` with the original response, treats every payment id as a paid
/// payment of 10000, and declines refunds beyond what is left.
public final class SandboxEmulator: UpstreamClient {
    public static let paymentAmount = Decimal(10000)

    private let keyStore: KeyStore
    private let merchantID: String
    private let keyID: String?
    private let state = Mutex(State())

    private struct State {
        var responses: [String: UpstreamResponse] = [:]
        var refunded: [String: Decimal] = [:]
    }

    public init(keyStore: KeyStore, merchantID: String, keyID: String? = nil) {
        self.keyStore = keyStore
        self.merchantID = merchantID
        self.keyID = keyID
    }

    public func send(_ request: UpstreamRequest, on loop: EventLoop, completion: @escaping UpstreamCompletion) {
        completion(.success(handle(method: request.method, path: URLPath.of(request.url), headers: request.headers, body: request.body)), 1)
    }

    func handle(method: String, path: String, headers: [HTTPHeader], body: [UInt8]) -> UpstreamResponse {
        guard method == "POST", path == "/v5/g2g/edit" else {
            return answer(
                404, requestID: nil, ["code": .string("not_found"), "message": .string("the sandbox emulates POST /v5/g2g/edit")])
        }
        let requestID = headers.first(named: "X-Request-Id")
        guard let requestID, UUIDText.isValid(requestID) else {
            return answer(
                400, requestID: requestID, ["code": .string("invalid_request_id"), "message": .string("X-Request-Id must be a UUID")])
        }
        guard verifySignature(headers.first(named: "X-JWS-Signature"), path: path, method: method, body: body) else {
            return answer(
                401, requestID: requestID, ["code": .string("invalid_signature"), "message": .string("X-JWS-Signature does not verify")])
        }
        guard headers.first(named: "X-Action") == "gateway.payment.refund" else {
            return answer(
                400, requestID: requestID,
                ["code": .string("unsupported_action"), "message": .string("the sandbox emulates gateway.payment.refund")])
        }
        return state.withLock { state in
            if let original = state.responses[requestID] { return original }
            let response = refund(body: body, requestID: requestID, state: &state)
            state.responses[requestID] = response
            return response
        }
    }

    private func refund(body: [UInt8], requestID: String, state: inout State) -> UpstreamResponse {
        guard case .object(let members)? = try? StrictJSON.parse(body),
            case .string(let paymentID)? = members["id"],
            case .number(let literal)? = members["amount"],
            let amount = Decimal(string: literal), amount > 0
        else {
            return answer(
                400, requestID: requestID,
                ["code": .string("invalid_body"), "message": .string("expected {\"id\": uuid, \"amount\": number}")])
        }
        let already = state.refunded[paymentID.lowercased(), default: 0]
        guard already + amount <= SandboxEmulator.paymentAmount else {
            return answer(
                422, requestID: requestID,
                [
                    "code": .string("refund_amount_exceeded"),
                    "message": .string("refund of \(amount) exceeds the \(SandboxEmulator.paymentAmount - already) left on the payment"),
                ])
        }
        state.refunded[paymentID.lowercased()] = already + amount
        return answer(
            200, requestID: requestID,
            [
                "id": .string(paymentID),
                "amount": .number(SandboxEmulator.paymentAmount.description),
                "refund_payment": .object([
                    "id": .string(UUIDText.version7()), "status": .string("process"), "amount": .number((-amount).description),
                ]),
            ])
    }

    private func verifySignature(_ value: String?, path: String, method: String, body: [UInt8]) -> Bool {
        guard let value, let header = DetachedJWS.verify(value, payload: body, key: keyStore.key) else { return false }
        let expected = JOSEHeaderLayout.gateway.header(
            path: path, merchantID: merchantID, method: method, algorithm: keyStore.algorithm, keyID: keyID)
        return header == expected.serialized()
    }

    private func answer(_ status: Int, requestID: String?, _ object: [String: JSONValue]) -> UpstreamResponse {
        let body = JSONWriter.serialize(.object(object))
        var headers = [HTTPHeader(name: "content-type", value: "application/json")]
        if let requestID { headers.append(HTTPHeader(name: "x-request-id", value: requestID)) }
        headers.append(HTTPHeader(name: "x-request-status", value: status == 200 ? "success" : "error"))
        headers.append(HTTPHeader(name: "x-datetime", value: Date().formatted(.iso8601)))
        // Marks every emulated answer, so that a sandbox answer is never mistaken for a real refund.
        headers.append(HTTPHeader(name: "x-freedompay-sandbox", value: "emulated"))
        return UpstreamResponse(status: status, headers: headers, body: body, attempts: 1)
    }
}

/// Serves the emulator over HTTP for `freedompay-sidecar sandbox`.
public struct SandboxResponder: HTTPResponder {
    let emulator: SandboxEmulator

    public init(emulator: SandboxEmulator) {
        self.emulator = emulator
    }

    public func respond(to request: HTTPRequest, writer: HTTPResponseWriter) {
        let answer = emulator.handle(
            method: request.head.method, path: String(request.head.path), headers: request.head.headers, body: request.body)
        writer.send(HTTPResponse(status: answer.status, headers: answer.headers, body: answer.body))
    }

    public func response(for failure: HTTPServerFailure) -> HTTPResponse {
        SidecarError.from(failure).response()
    }
}

enum URLPath {
    /// The path of `scheme://authority/path?query`.
    static func of(_ url: String) -> String {
        // The standard library's `firstRange(of:)`: Foundation's `range(of:)` would link all of
        // Foundation, and with it ICU, into the binary.
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return "/" }
        return String(rest[slash...].prefix { $0 != "?" })
    }
}
