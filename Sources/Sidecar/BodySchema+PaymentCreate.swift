/// The closed schema of create payment (`POST /v5/g2g/create`), built from the one request
/// body Freedom Pay publishes for it: the example in the Async API overview
/// (https://docs.freedompay.kz/doc-650923, "Async API · Overview", and the .kg introduction
/// https://docs.freedompay.kg/apidoc/project-747718/doc-832996, in two versions that differ
/// only in the card's values; the .uz introduction https://docs.freedompay.uz/doc-833129
/// lists the same three URLs). The "create payment" page itself
/// (https://docs.freedompay.kz/api-9587005, where the menu marks "create payment" as the
/// page shown) showed no field table or action name
/// in the copies we could read, so every bound below is a strict choice, documented here and
/// in the README ("Create payment"):
///
/// - the action is `gateway.payment.create`: no page prints it; the edit pages name their
///   actions `gateway.payment.<verb>` after their titles ("edit payment.refund" →
///   `gateway.payment.refund`), and the create page is titled "create payment";
/// - required: `amount` (as for refunds), `currency`, `description`, `order_id` (so that the
///   payment can be read back by it), `auto_clearing` (so that whether the money is captured
///   at once is always stated in the signed bytes, never left to shop settings) and `from`;
///   optional: `user_id`, `device`, `urls`;
/// - the bounds follow the Sync API's fields of the same meaning (`pg_description` ≤ 1024,
///   `pg_user_id` 1–50 of `[a-zA-Z0-9_-]`, `pg_recurring_lifetime` 1–156, `pg_user_ip` an
///   IPv4 address, `pg_check_url`/`pg_result_url` ≤ 255, card PAN 13 to 19 digits, CVC 3 or
///   4 digits, two-digit year and month; https://docs.freedompay.kz/api-11620859 and
///   https://docs.freedompay.uz/api-13679446); `from.type` is `card`, the only source the
///   example shows.
///
/// Card fields (`from.card.*`) are secret: a refusal names the field and never repeats the
/// value.
enum PaymentCreateBody {
    /// The `X-Action` of create payment.
    static let action = "gateway.payment.create"

    static let card = ClosedFields(fields: [
        BodyField(name: "name", kind: .cardholderName, isSecret: true),
        BodyField(name: "pan", kind: .digits(13...19), isSecret: true),
        BodyField(name: "cvc", kind: .digits(3...4), isSecret: true),
        BodyField(name: "year", kind: .integer(0...99), isSecret: true),
        BodyField(name: "month", kind: .integer(1...12), isSecret: true),
    ])

    static let from = ClosedFields(fields: [
        BodyField(name: "type", kind: .oneOf(["card"])),
        BodyField(name: "card", kind: .object(card)),
        BodyField(name: "save", kind: .boolean, isRequired: false),
        BodyField(
            name: "recurrent", kind: .object(ClosedFields(fields: [BodyField(name: "lifetime", kind: .integer(1...156))])),
            isRequired: false),
    ])

    static let fields = ClosedFields(fields: [
        .amount,
        BodyField(name: "currency", kind: .currency),
        BodyField(name: "description", kind: .text(maxBytes: 1024)),
        .orderID,
        BodyField(name: "user_id", kind: .token(maxBytes: 50), isRequired: false),
        BodyField(name: "auto_clearing", kind: .boolean),
        BodyField(name: "from", kind: .object(from)),
        BodyField(
            name: "device", kind: .object(ClosedFields(fields: [BodyField(name: "user_ip", kind: .ipv4)])), isRequired: false),
        BodyField(
            name: "urls",
            kind: .object(
                ClosedFields(
                    fields: [
                        BodyField(name: "check_url", kind: .url, isRequired: false),
                        BodyField(name: "result_url", kind: .url, isRequired: false),
                    ], presence: .atLeastOne)),
            isRequired: false),
    ])
}
