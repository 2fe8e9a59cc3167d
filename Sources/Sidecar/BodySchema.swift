/// The body a Gateway v5 action accepts, checked before anything is signed.
///
/// Every schema but `json-object` is closed: only the fields listed here, each of the kind
/// listed, and nothing else. The raw values are the names used in configuration.
///
/// Sources (Freedom Pay's Gateway API v5, Async API, docs.freedompay.kz; the edit pages say
/// "Modified at 2025-06-26"):
/// - `POST /v5/g2g/read`, `X-Action: gateway.payment.status` ("read payment",
///   https://docs.freedompay.kz/api-9587007, and the same on .kg,
///   https://docs.freedompay.kg/api-13677835): body fields `id` (string, "required if
///   order_id is not provided") and `order_id` (string, "required if id is not provided");
///   the example sends both.
/// - `POST /v5/g2g/create` (create payment): the Async API overview's example body, see
///   `BodySchema+PaymentCreate.swift`.
/// - `POST /v5/g2g/edit`, `X-Action: gateway.payment.refund` (https://docs.freedompay.kz/api-9587009),
///   `gateway.payment.reverse` (https://docs.freedompay.kz/api-9587010) and
///   `gateway.payment.clearing` (https://docs.freedompay.kz/api-9587011): the published pages
///   name the action and the headers, but their body tables did not render in the copies we
///   could read. The refund body `{"id": uuid, "amount": number}` is the one in the Async API
///   overview (https://docs.freedompay.kz/overview-650923m0) and its refund example, whose answer
///   echoes `id` and `amount`.
///
/// Where the docs are silent the schema takes the strict choice, written down per case. The
/// common rules (see `BodyValidator`):
/// - `id`: a UUID string, 8-4-4-4-12 hex digits in either case (RFC 9562 §4 reads hex digits
///   case-insensitively; Apple's `UUID.uuidString` is upper case), never the nil UUID nor the
///   max UUID (neither can name a payment).
/// - `amount`: a JSON number in plain decimal notation (no exponent, no sign, no leading
///   zeros), greater than 0, at most two fractional digits, at most 10^12. Freedom Pay's
///   amounts are decimal currency units (their examples: `100`, `123.42`); two digits cover
///   tiyn and cents, and 10^12 is far above any single card payment.
public enum BodySchema: String, Sendable, Codable, CaseIterable {
    /// `gateway.payment.refund`: exactly `{"id": uuid, "amount": decimal}`, both required.
    /// A partial refund is a smaller amount; the docs show no amount-less "full refund" form,
    /// so none is accepted.
    case refund
    /// `gateway.payment.clearing` (capture of a two-step payment): exactly
    /// `{"id": uuid, "amount": decimal}`, both required.
    ///
    /// Assumed: Freedom Pay's Card API documents clearing with an optional amount ("if the
    /// amount field is not provided ... cleared for the full amount",
    /// https://docs.freedompay.kz/api-14318358), and the Gateway's clearing is full or
    /// partial. The Gateway's async page does not say whether `amount` may be left out; the
    /// sidecar requires it, so that what is captured is always stated in the signed bytes
    /// (a partial clearing is a smaller amount).
    case clearing
    /// `gateway.payment.reverse` (cancel a two-step payment before clearing): exactly `{"id": uuid}`.
    ///
    /// Assumed: the async page's body table did not render; Freedom Pay's other cancel
    /// methods (Sync API `cancel.php`) take only the payment id, and a reverse releases the
    /// whole hold. An `amount` is refused rather than forwarded, so that no client believes
    /// it made a partial reverse.
    case reverse
    /// `gateway.payment.status` on `/v5/g2g/read`: `{"id": uuid}`, `{"order_id": string}`, or
    /// both.
    ///
    /// The read payment pages (https://docs.freedompay.kz/api-9587007, and the .kg page
    /// https://docs.freedompay.kg/api-13677835) say each is "required if the other is not
    /// provided", and their example sends both, so both are accepted; which one Freedom Pay
    /// uses when they disagree is its own business (the sandbox refuses such a read). Assumed
    /// for `order_id` (documented only as a string, example `"12345"`): 1 to 255 printable
    /// ASCII characters (U+0020–U+007E).
    case paymentStatus = "payment-status"
    /// `gateway.request.status` on `/v5/g2g/read` (the result of an earlier async request):
    /// exactly `{"request_id": uuid}`.
    ///
    /// Assumed, as the sandbox emulates it: the Gateway's async pages name the action after
    /// `gateway.payment.status` and answer by the `X-Request-Id` of the original call; the
    /// body follows the Card API's `/v5/card-api/request/status` (`{"request_id": ...}`).
    /// The id is the `X-Request-Id` the sidecar returned for that call, so a UUID.
    case requestStatus = "request-status"
    /// `gateway.payment.create` on `/v5/g2g/create`: the payment object of the Async API
    /// overview's example, closed at every level (see `BodySchema+PaymentCreate.swift`).
    /// It carries card data: the sidecar never logs bodies, and its refusals never repeat a
    /// card field's value.
    case paymentCreate = "payment-create"
    /// Any JSON object (generic routes). Open, but still refused: duplicate keys (as
    /// everywhere), control characters in keys (U+0000–U+001F, U+007F–U+009F) at any depth,
    /// and numbers outside the range every common decoder reads alike: a number whose
    /// nearest 64-bit float is infinite, or has a magnitude of 2^53 or more (beyond
    /// ±(2^53 − 1), the I-JSON range of RFC 7493 §2.2, where integers stop being exact in
    /// a double), or is a nonzero literal that underflows below the smallest normal double
    /// (2.2250738585072014e-308, so `1e-400` and `4.9e-324`).
    case jsonObject = "json-object"

    /// The schema of a known Gateway v5 action, or nil for an action this file does not model.
    public static func defaultSchema(forAction action: String) -> BodySchema? {
        switch action {
        case "gateway.payment.refund": .refund
        case "gateway.payment.clearing": .clearing
        case "gateway.payment.reverse": .reverse
        case "gateway.payment.status": .paymentStatus
        case "gateway.request.status": .requestStatus
        case PaymentCreateBody.action: .paymentCreate
        default: nil
        }
    }

    /// A one-line description for documentation and `check-config` output.
    public var summary: String {
        switch self {
        case .refund, .clearing: #"exactly {"id": payment UUID, "amount": decimal > 0, ≤ 2 fractional digits, ≤ 10^12}"#
        case .reverse: #"exactly {"id": payment UUID}"#
        case .paymentStatus: #"{"id": payment UUID}, {"order_id": string}, or both"#
        case .requestStatus: #"exactly {"request_id": request UUID}"#
        case .paymentCreate:
            "the Async API overview's payment object: amount, currency, description, order_id, auto_clearing, from (a card); user_id, device, urls optional"
        case .jsonObject: "any JSON object without duplicate or control-character keys and with numbers in range"
        }
    }

    /// The closed field list, or nil for the open `json-object`.
    var closedFields: ClosedFields? {
        switch self {
        case .refund, .clearing: ClosedFields(fields: [.id, .amount])
        case .reverse: ClosedFields(fields: [.id])
        case .paymentStatus: ClosedFields(fields: [.id, .orderID], presence: .atLeastOne)
        case .requestStatus: ClosedFields(fields: [.requestID])
        case .paymentCreate: PaymentCreateBody.fields
        case .jsonObject: nil
        }
    }
}

/// One field of a closed schema.
struct BodyField: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case paymentID, requestID, amount, orderID
        /// 1 to `maxBytes` UTF-8 bytes, no control characters.
        case text(maxBytes: Int)
        /// 1 to `maxBytes` of `A-Z a-z 0-9 _ -`.
        case token(maxBytes: Int)
        /// Three upper-case ASCII letters (an ISO 4217 code such as `KZT`).
        case currency
        /// Exactly one of these strings.
        case oneOf([String])
        /// A string of ASCII digits, as many as the range allows.
        case digits(ClosedRange<Int>)
        /// A JSON integer in plain notation (no sign, exponent or fraction) within the range.
        case integer(ClosedRange<Int>)
        case boolean
        /// A cardholder name: 1 to 100 of `A-Z a-z`, space, `-`, `.`, `'`.
        case cardholderName
        /// An absolute `https://` or `http://` URL of at most 255 printable ASCII characters.
        case url
        /// A dotted-quad IPv4 address.
        case ipv4
        /// A nested closed object.
        case object(ClosedFields)
    }
    var name: String
    var kind: Kind
    var isRequired = true
    /// Card data: a refusal names the field but never repeats its value.
    var isSecret = false

    static let id = BodyField(name: "id", kind: .paymentID)
    static let amount = BodyField(name: "amount", kind: .amount)
    static let orderID = BodyField(name: "order_id", kind: .orderID)
    static let requestID = BodyField(name: "request_id", kind: .requestID)
}

/// The fields of a closed schema and which of them must be present.
struct ClosedFields: Sendable, Equatable {
    enum Presence: Sendable, Equatable {
        /// Each field as its `isRequired` says.
        case eachField
        /// At least one of the fields (none is required on its own).
        case atLeastOne
    }
    var fields: [BodyField]
    var presence: Presence = .eachField
}
