import Glibc
import HTTP1
import MerchantAPI
import SocketLoop
import Synchronization
import Upstream

/// The sandbox's payment page, and the signed "Result notify" callback it sends when the
/// buyer pays, so that a developer runs the whole loop on one machine: app → sidecar →
/// sandbox (`init_payment.php`) → payment page → Result callback to `pg_result_url` (the
/// sidecar's callback listener) → app, and the buyer's browser back to `pg_success_url`
/// ("Redirect back"). README "Callbacks".
///
/// - `GET /pay.html?customer=ID`: a page with the order and a Pay button.
/// - `POST /pay.html` with `customer=ID`: pays. The Result callback goes to `pg_result_url`
///   with `pg_request_method` (GET: a query string; POST: a urlencoded body; XML: one
///   `pg_xml` field), signed for the URL's last path segment ("Signature generation"), with
///   the fields "Result notify" lists. The merchant's answer must be 200 with a `<response>`
///   whose `pg_sig` verifies; `X-FreedomPay-Sandbox-Callback` says what it was (`ok`,
///   `rejected`, `error`, or `failed: …`). Then 303 to `pg_success_url` (or
///   `pg_failure_url` after a rejection) with `pg_order_id`, `pg_payment_id`, `pg_salt` and
///   `pg_sig` appended to its query string, as "Redirect back" describes for GET; without
///   such a URL, a plain page.
/// Assumed, because the pages do not say: `pg_net_amount` equals the amount (no fee in the
/// sandbox), `pg_can_reject` is 1, the payment system is `SANDBOX`.
public final class SandboxCheckout: Sendable {
    /// What `init_payment.php` recorded for the page.
    public struct Payment: Sendable, Equatable {
        public var merchantID: String
        public var paymentID: String
        public var orderID: String
        public var amount: String
        public var currency: String
        public var description: String
        public var resultURL: String?
        /// `GET`, `POST` or `XML` (`pg_request_method`; POST when absent).
        public var requestMethod: String
        public var successURL: String?
        public var failureURL: String?

        public init(
            merchantID: String, paymentID: String, orderID: String, amount: String, currency: String, description: String,
            resultURL: String?, requestMethod: String?, successURL: String?, failureURL: String?
        ) {
            self.merchantID = merchantID
            self.paymentID = paymentID
            self.orderID = orderID
            self.amount = amount
            self.currency = currency
            self.description = description
            self.resultURL = resultURL
            self.requestMethod = (requestMethod ?? "POST").uppercased()
            self.successURL = successURL
            self.failureURL = failureURL
        }
    }

    private let payments = Mutex<[String: Payment]>([:])
    private let secret: @Sendable () -> [UInt8]
    private let client: any UpstreamClient

    /// `client` sends the Result callback; `secret` is the merchant's, read at each use.
    public init(client: any UpstreamClient, secret: @escaping @Sendable () -> [UInt8]) {
        self.client = client
        self.secret = secret
    }

    /// Makes `payment` payable at `/pay.html?customer=<customer>`.
    public func register(customer: String, payment: Payment) {
        payments.withLock { $0[customer] = payment }
    }

    public func payment(customer: String) -> Payment? { payments.withLock { $0[customer] } }

    /// Makes the payment an `init_payment.php` request created payable: the request's form
    /// gives the order and the merchant's URLs, the emulator's signed answer the payment id
    /// and the `customer` of `pg_redirect_url` (whose path and query this page serves).
    public func recordInit(requestBody: [UInt8], contentType: String, answer: [UInt8]) {
        guard let fields = try? FormReader.read(body: requestBody, contentType: contentType, policy: .verifying),
            let root = try? StrictXML.parse(answer), root.firstChild(named: "pg_status")?.text == "ok",
            let paymentID = root.firstChild(named: "pg_payment_id")?.text,
            let redirect = root.firstChild(named: "pg_redirect_url")?.text,
            let query = redirect.split(separator: "?", maxSplits: 1).dropFirst().first,
            let customer = (try? FormReader.readURLEncoded(Array(query.utf8), policy: .verifying))?.first(where: { $0.name == "customer" })?
                .value
        else { return }
        let value = { (name: String) in fields.last { $0.name == name }?.value }
        register(
            customer: customer,
            payment: Payment(
                merchantID: value("pg_merchant_id") ?? "", paymentID: paymentID, orderID: value("pg_order_id") ?? "",
                amount: value("pg_amount") ?? "", currency: value("pg_currency") ?? "KZT", description: value("pg_description") ?? "",
                resultURL: value("pg_result_url"), requestMethod: value("pg_request_method"), successURL: value("pg_success_url"),
                failureURL: value("pg_failure_url")))
    }

    /// Whether this request is the payment page's.
    public static func handles(path: String) -> Bool { path == "/pay.html" }

    /// Answers the payment page; `completion` runs on `loop`.
    public func respond(
        method: String, target: String, body: [UInt8], on loop: EventLoop, completion: @escaping @Sendable (HTTPResponse) -> Void
    ) {
        let query = target.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        let form =
            (try? FormReader.readURLEncoded(
                Array((method == "POST" ? String(decoding: body, as: UTF8.self) : query).utf8), policy: .verifying)) ?? []
        guard let customer = form.first(where: { $0.name == "customer" })?.value, let payment = payment(customer: customer) else {
            return completion(Self.page(status: 404, "No such payment."))
        }
        switch method {
        case "GET":
            completion(
                Self.page(
                    status: 200,
                    "<p>Order \(Self.escaped(payment.orderID)): \(Self.escaped(payment.amount)) \(Self.escaped(payment.currency)) — \(Self.escaped(payment.description))</p>"
                        + "<form method=\"post\" action=\"/pay.html\"><input type=\"hidden\" name=\"customer\" value=\"\(Self.escaped(customer))\"><button>Pay (sandbox)</button></form>"
                ))
        case "POST":
            pay(payment, on: loop, completion: completion)
        default:
            completion(HTTPResponse(status: 405, headers: [HTTPHeader(name: "Allow", value: "GET, POST")]))
        }
    }

    private func pay(_ payment: Payment, on loop: EventLoop, completion: @escaping @Sendable (HTTPResponse) -> Void) {
        guard let resultURL = payment.resultURL, let request = Self.resultCallback(payment, salt: PGSalt.random(), secret: secret()) else {
            return completion(finish(payment, outcome: "ok", detail: "paid; no pg_result_url to call"))
        }
        client.send(request, on: loop) { [self] result, _ in
            let outcome: String
            switch result {
            case .failure(let error): outcome = "failed: \(error.kind)"
            case .success(let answer):
                outcome = Self.merchantAnswer(answer, script: PGSignature.scriptName(ofPath: resultURL), secret: secret())
            }
            completion(finish(payment, outcome: outcome, detail: "paid; the merchant's Result URL answered: \(outcome)"))
        }
    }

    /// The buyer's way back: 303 to the success (failure after a rejection) URL, signed.
    private func finish(_ payment: Payment, outcome: String, detail: String) -> HTTPResponse {
        let back = outcome == "rejected" ? payment.failureURL : payment.successURL
        var headers = [HTTPHeader(name: "X-FreedomPay-Sandbox-Callback", value: outcome)]
        guard let back else {
            var page = Self.page(status: 200, "<p>\(Self.escaped(detail))</p>")
            page.headers += headers
            return page
        }
        var fields = [
            MerchantField(name: "pg_order_id", value: payment.orderID), MerchantField(name: "pg_payment_id", value: payment.paymentID),
        ]
        fields = PGSignature.signedFields(
            script: PGSignature.scriptName(ofPath: back), fields: fields, salt: PGSalt.random(), secret: secret())
        headers.append(HTTPHeader(name: "Location", value: back + (back.contains("?") ? "&" : "?") + FormEncoding.urlEncodedText(fields)))
        return HTTPResponse(status: 303, headers: headers)
    }

    /// The "Result notify" request for `payment`, or nil when its URL is not http(s).
    static func resultCallback(_ payment: Payment, salt: String, secret: [UInt8]) -> UpstreamRequest? {
        guard let url = payment.resultURL, url.hasPrefix("http://") || url.hasPrefix("https://") else { return nil }
        let fields = [
            ("pg_order_id", payment.orderID), ("pg_payment_id", payment.paymentID), ("pg_amount", payment.amount),
            ("pg_currency", payment.currency), ("pg_net_amount", payment.amount), ("pg_ps_amount", payment.amount),
            ("pg_ps_full_amount", payment.amount), ("pg_ps_currency", payment.currency), ("pg_description", payment.description),
            ("pg_result", "1"), ("pg_payment_date", paymentDate()), ("pg_can_reject", "1"), ("pg_testing_mode", "1"),
            ("pg_payment_method", "SANDBOX"),
        ].map { MerchantField(name: $0.0, value: $0.1) }
        let signed = PGSignature.signedFields(script: PGSignature.scriptName(ofPath: url), fields: fields, salt: salt, secret: secret)
        let form = [HTTPHeader(name: "Content-Type", value: "application/x-www-form-urlencoded")]
        switch payment.requestMethod {
        case "GET":
            return UpstreamRequest(method: "GET", url: url + (url.contains("?") ? "&" : "?") + FormEncoding.urlEncodedText(signed))
        case "XML":
            let document =
                (try? XMLResponseWriter.document(
                    XMLElement(name: "request", children: signed.map { XMLElement(name: $0.name, text: $0.value) }))) ?? []
            let xml = MerchantField(name: "pg_xml", value: String(decoding: document, as: UTF8.self))
            return UpstreamRequest(method: "POST", url: url, headers: form, body: FormEncoding.urlEncoded([xml]))
        default:
            return UpstreamRequest(method: "POST", url: url, headers: form, body: FormEncoding.urlEncoded(signed))
        }
    }

    /// `ok`, `rejected` or `error` from a 200 `<response>` whose `pg_sig` verifies; else why not.
    static func merchantAnswer(_ answer: UpstreamResponse, script: String, secret: [UInt8]) -> String {
        guard answer.status == 200 else { return "failed: HTTP \(answer.status)" }
        guard let root = try? StrictXML.parse(answer.body), root.name == "response" else { return "failed: not a <response> document" }
        let message = PGSigMessage(xmlRoot: root)
        guard PGSignature.check(script: script, message: message, secret: secret) == .verified else {
            return "failed: pg_sig does not verify"
        }
        let status = message.values(named: "pg_status").first ?? ""
        return ["ok", "rejected", "error"].contains(status) ? status : "failed: pg_status '\(status.prefix(16))'"
    }

    /// `YYYY-MM-DD HH:MM:SS`, UTC ("Result notify").
    static func paymentDate() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }

    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    static func page(status: Int, _ html: String) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: [
                HTTPHeader(name: "Content-Type", value: "text/html; charset=utf-8"),
                HTTPHeader(name: "x-freedompay-sandbox", value: "emulated"),
            ],
            body: Array("<!doctype html><title>Freedom Pay sandbox</title>\(html)".utf8))
    }
}
