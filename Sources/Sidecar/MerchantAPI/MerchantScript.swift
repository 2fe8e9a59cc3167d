import MerchantAPI

/// What the sidecar knows of one Merchant API script: its documented `pg_` fields with
/// their maximum lengths, its amount fields, and whether it documents `pg_idempotency_key`.
///
/// Sources (Freedom Pay's pages, docs.freedompay.kz/.kg/.uz and freedompay.kz/docs-en):
/// "Create payment"/"Page" (`init_payment.php`), "Get payment status" (`get_status3.php`),
/// "Cancel" (`cancel.php`), "Payout"/"Create payment" (`api/reg2nonreg`: `pg_order_id` ≤ 50,
/// `pg_description` 1–255, `pg_user_id` ≤ 50, links ≤ 255, amount 0.01–99999999), and the
/// card-token "Create payment" page (`pg_idempotency_key` ≤ 255, URLs and `pg_param1..3`
/// ≤ 255). Where a page gives no length, the same field's length on another Merchant API
/// page is applied (the strict reading); where it gives no maximum amount, 99999999 (the
/// payout pages') is. Refund (`revoke.php`, `pg_refund_amount`) and clearing
/// (`do_capture.php`, `pg_clearing_amount`): the stored pages list these scripts by title
/// only ("Refund payment", "Clearing"); their names and fields are Freedom Pay's Merchant
/// API names as merchants call them, and README "Merchant API" says so.
public struct MerchantScript: Sendable {
    public let name: String
    /// Documented `pg_` fields and their maximum lengths in characters (nil: not documented).
    public let fields: [String: Int?]
    /// Fields that carry an amount: plain decimal, at most two fraction digits, > 0, ≤ `maxAmount`.
    public let amountFields: [String]
    /// Nested `pg_` groups the script documents (`pg_receipt_positions[0][name]`).
    public let groups: [String]
    public let documentsIdempotencyKey: Bool

    /// The largest amount any Merchant API page documents.
    public static let maxAmount = "99999999"

    static let common: [String: Int?] = ["pg_merchant_id": 20, "pg_salt": 255, "pg_sig": 32]
    static let urls: [String: Int?] = [
        "pg_check_url": 255, "pg_result_url": 255, "pg_success_url": 255, "pg_failure_url": 255, "pg_state_url": 255,
        "pg_site_url": 255, "pg_refund_url": 255, "pg_capture_url": 255,
    ]
    static let params: [String: Int?] = ["pg_param1": 255, "pg_param2": 255, "pg_param3": 255]

    /// The catalogue, by script name.
    public static let known: [String: MerchantScript] = {
        let scripts = [
            MerchantScript(
                name: "init_payment.php",
                fields: common.merging(urls) { a, _ in a }.merging(params) { a, _ in a }.merging([
                    "pg_order_id": 50, "pg_amount": nil, "pg_description": 255, "pg_currency": 3, "pg_request_method": 4,
                    "pg_success_url_method": 8, "pg_failure_url_method": 8, "pg_state_url_method": 8, "pg_payment_system": 50,
                    "pg_lifetime": 6, "pg_user_phone": 20, "pg_user_contact_email": 255, "pg_user_ip": 45, "pg_postpone_payment": 1,
                    "pg_language": 2, "pg_testing_mode": 1, "pg_user_id": 50, "pg_recurring_start": 1, "pg_recurring_lifetime": 4,
                    "pg_auto_clearing": 1, "pg_payment_method": 50, "pg_timeout_after_payment": 6, "pg_generate_qr": 1,
                    "pg_3ds_challenge": 1,
                ]) { a, _ in a },
                amountFields: ["pg_amount"], groups: ["pg_receipt_positions"], documentsIdempotencyKey: false),
            MerchantScript(
                name: "get_status3.php", fields: common.merging(["pg_payment_id": 20, "pg_order_id": 50]) { a, _ in a },
                amountFields: [], groups: [], documentsIdempotencyKey: false),
            MerchantScript(
                name: "revoke.php", fields: common.merging(["pg_payment_id": 20, "pg_refund_amount": nil]) { a, _ in a },
                amountFields: ["pg_refund_amount"], groups: ["pg_receipt_positions"], documentsIdempotencyKey: false),
            MerchantScript(
                name: "do_capture.php", fields: common.merging(["pg_payment_id": 20, "pg_clearing_amount": nil]) { a, _ in a },
                amountFields: ["pg_clearing_amount"], groups: ["pg_receipt_positions"], documentsIdempotencyKey: false),
            MerchantScript(
                name: "cancel.php", fields: common.merging(["pg_payment_id": 20]) { a, _ in a }, amountFields: [],
                groups: ["pg_receipt_positions"], documentsIdempotencyKey: false),
            MerchantScript(
                name: "reg2nonreg",
                fields: common.merging([
                    "pg_order_id": 50, "pg_amount": nil, "pg_description": 255, "pg_order_time_limit": 19, "pg_payment_route": 20,
                    "pg_user_id": 50, "pg_user_email": 255, "pg_back_link": 255, "pg_post_link": 255,
                ]) { a, _ in a }, amountFields: ["pg_amount"], groups: [], documentsIdempotencyKey: false),
            // The card-token "Create payment" (`/v1/merchant/{merchant_id}/card/init`): the one
            // server-to-server page found that documents `pg_idempotency_key`.
            MerchantScript(
                name: "init",
                fields: common.merging(urls) { a, _ in a }.merging(params) { a, _ in a }.merging([
                    "pg_order_id": 50, "pg_amount": nil, "pg_description": 255, "pg_user_id": 50, "pg_user_ip": 45,
                    "pg_user_phone": 20, "pg_user_email": 255, "pg_card_token": 64, "pg_idempotency_key": 255,
                    "pg_loyalty_id": 20, "pg_loyalty_amount": 20, "pg_freedom_id": 64,
                ]) { a, _ in a }, amountFields: ["pg_amount"], groups: ["pg_receipt_positions"], documentsIdempotencyKey: true),
        ]
        return Dictionary(uniqueKeysWithValues: scripts.map { ($0.name, $0) })
    }()

    /// The script a route signs: the last segment of its path (`PGSignature.scriptName`).
    public static func name(ofRoutePath path: String) -> String {
        PGSignature.scriptName(ofPath: path)
    }

    /// The catalogue entry of a route, or an open entry (no known fields) for another script.
    public static func forRoute(_ path: String) -> MerchantScript {
        let name = name(ofRoutePath: path)
        return known[name]
            ?? MerchantScript(name: name, fields: common, amountFields: [], groups: [], documentsIdempotencyKey: false)
    }
}
