import FoundationEssentials
import JSONCore

/// A g2g request the sandbox emulates, read from its path, `X-Action` and body.
///
/// | path | `X-Action` | body |
/// |---|---|---|
/// | `/v5/g2g/create` | `gateway.payment.create` | the payment object (`SandboxPaymentOrder`) |
/// | `/v5/g2g/read` | `gateway.payment.status` | `{"id": uuid}`, `{"order_id": string}` or both |
/// | `/v5/g2g/read` | `gateway.request.status` | `{"request_id": uuid}` |
/// | `/v5/g2g/edit` | `gateway.payment.refund` | `{"id": uuid, "amount": number}` |
/// | `/v5/g2g/edit` | `gateway.payment.clearing` | `{"id": uuid, "amount": number}` (amount optional: all of it) |
/// | `/v5/g2g/edit` | `gateway.payment.reverse` | `{"id": uuid}` |
///
/// Other members of the body are ignored, as a lenient API would.
public enum SandboxOperation: Sendable, Equatable {
    case createPayment(SandboxPaymentOrder)
    /// At least one of the two; both must name the same payment.
    case paymentStatus(id: String?, orderID: String?)
    case requestStatus(requestID: String)
    case refund(id: String, amount: Decimal)
    case clearing(id: String, amount: Decimal?)
    case reverse(id: String)

    /// The actions the sandbox answers on each path.
    public static let actions: [String: [String]] = [
        "/v5/g2g/create": ["gateway.payment.create"],
        "/v5/g2g/read": ["gateway.payment.status", "gateway.request.status"],
        "/v5/g2g/edit": ["gateway.payment.refund", "gateway.payment.clearing", "gateway.payment.reverse"],
    ]

    /// Reads the body of `action` (one of `actions`).
    public static func parse(action: String, body: [UInt8]) throws(SandboxRefusal) -> SandboxOperation {
        guard case .object(let members)? = try? StrictJSON.parse(body) else { throw .invalidBody("the body must be a JSON object") }
        switch action {
        case "gateway.payment.create":
            return .createPayment(try SandboxPaymentOrder.parse(members))
        case "gateway.payment.status":
            // "id: required if order_id is not provided", and the other way round
            // (https://docs.freedompay.kz/api-9587007); the page's example sends both.
            var id: String?
            if members["id"] != nil { id = try uuid(members, "id") }
            var orderID: String?
            if let value = members["order_id"] {
                guard case .string(let text) = value, !text.isEmpty else { throw .invalidBody("\"order_id\" must be a non-empty string") }
                orderID = text
            }
            guard id != nil || orderID != nil else { throw .invalidBody("send \"id\", \"order_id\" or both") }
            return .paymentStatus(id: id, orderID: orderID)
        case "gateway.request.status":
            return .requestStatus(requestID: try uuid(members, "request_id"))
        case "gateway.payment.refund":
            guard let amount = try amount(members) else { throw .invalidBody("expected {\"id\": uuid, \"amount\": number}") }
            return .refund(id: try uuid(members, "id"), amount: amount)
        case "gateway.payment.clearing":
            return .clearing(id: try uuid(members, "id"), amount: try amount(members))
        default:
            return .reverse(id: try uuid(members, "id"))
        }
    }

    private static func uuid(_ members: [String: JSONValue], _ name: String) throws(SandboxRefusal) -> String {
        guard case .string(let text)? = members[name], text.utf8.count == 36, UUID(uuidString: text) != nil else {
            throw .invalidBody("\"\(name)\" must be a UUID string")
        }
        return text
    }

    /// `amount` as a number > 0, or nil when absent.
    private static func amount(_ members: [String: JSONValue]) throws(SandboxRefusal) -> Decimal? {
        guard let value = members["amount"] else { return nil }
        guard case .number(let literal) = value, let amount = Decimal(string: literal), amount > 0 else {
            throw .invalidBody("\"amount\" must be a number greater than 0")
        }
        return amount
    }
}
