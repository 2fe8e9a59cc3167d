import HTTP1
import HTTPServer
import LoopbackTestSupport
import SocketLoop
import Synchronization
import Testing

@testable import Sidecar

/// What the app behind the callback listener received.
struct AppRequest: Sendable {
    var method: String
    var target: String
    var headers: [HTTPHeader]
    var body: [UInt8]
    func header(_ name: String) -> String? { headers.first(named: name) }
}

/// A loopback app: records every forwarded callback and answers as told; `hold` keeps
/// answers back until the test releases them (for the timeout test).
final class FakeCallbackApp: AsyncHTTPResponder {
    let reply = Mutex(
        HTTPResponse(
            status: 200, headers: [HTTPHeader(name: "Content-Type", value: "application/json")], body: Array(#"{"pg_status":"ok"}"#.utf8)))
    let hold = Mutex(false)
    let release = Latch()
    private let received = Mutex<[AppRequest]>([])

    var requests: [AppRequest] { received.withLock { $0 } }

    func answer(status: Int = 200, contentType: String = "application/json", _ body: String, headers: [HTTPHeader] = []) {
        reply.withLock {
            $0 = HTTPResponse(
                status: status, headers: [HTTPHeader(name: "Content-Type", value: contentType)] + headers, body: Array(body.utf8))
        }
    }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        received.withLock {
            $0.append(
                AppRequest(method: request.head.method, target: request.head.target, headers: request.head.headers, body: request.body))
        }
        if hold.withLock({ $0 }) { await release.wait() }
        return reply.withLock { $0 }
    }

    func response(for failure: HTTPServerFailure) -> HTTPResponse { HTTPResponse(status: 400) }
}

/// The callbacks the tests configure: Result and Check answered with signed XML, the payout
/// `post_link` and the browser's return passed through, each forwarded to the fake app.
func testCallbacks(app: String) -> [CallbackRoute] {
    [
        CallbackRoute(path: "/freedompay/result", forwardTo: app + "/app/result"),
        CallbackRoute(path: "/freedompay/check", forwardTo: app + "/app/check"),
        CallbackRoute(path: "/freedompay/payout", forwardTo: app + "/app/payout", answer: .passThrough),
        CallbackRoute(path: "/public/success", forwardTo: app + "/app/success", answer: .passThrough),
    ]
}

/// Runs `body` with a fake app and a sandbox sidecar whose callback listener forwards to it.
func withCallbackSidecar<Result>(
    upstream: String = "sandbox", logs: LogCapture = LogCapture(), configure: (inout SidecarConfiguration) -> Void = { _ in },
    isolation: isolated (any Actor)? = #isolation, _ body: (Sidecar, FakeCallbackApp) async throws -> Result
) async throws -> Result {
    let app = FakeCallbackApp()
    let server = HTTPServer(listener: try Listener(address: .tcp(host: "127.0.0.1", port: 0)), responder: app)
    return try await withStartedServer(server) { server in
        defer { app.release.open() }
        return try await withSidecar(
            upstream: upstream, logs: logs,
            configure: {
                $0.callbackListen = "127.0.0.1:0"
                $0.callbacks = testCallbacks(app: "http://\(server.address)")
                configure(&$0)
            }
        ) { sidecar in try await body(sidecar, app) }
    }
}

/// A POST callback with a form body.
func callbackPost(_ path: String, body: String, contentType: String = "application/x-www-form-urlencoded", extraHeaders: String = "")
    -> String
{
    "POST \(path) HTTP/1.1\r\nHost: pay.example.com\r\nContent-Type: \(contentType)\r\n\(extraHeaders)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
}

/// Sends `raw` to the callback listener and reads one answer.
func sendCallback(_ sidecar: Sidecar, _ raw: String) async throws -> ReceivedResponse {
    let client = try LoopbackClient(sidecar.callbackAddress!)
    try await client.send(raw)
    return try await client.readResponse()
}

// Known answers, computed with Python's hashlib.md5 over "script;values sorted by name;secret"
// ("Signature generation") with the test secret, independently of the sidecar's code.

/// "Result notify": a description with ";" and "&", a merchant parameter in Cyrillic.
let resultBody =
    "pg_order_id=23&pg_payment_id=4567788&pg_amount=25&pg_currency=KZT&pg_net_amount=24.13&pg_ps_amount=25&pg_ps_full_amount=25&pg_ps_currency=KZT&pg_description=Ticket%3B+row+5+%26+seat+7&pg_result=1&pg_payment_date=2026-12-04+21%3A30%3A00&pg_can_reject=1&pg_salt=abc123salt&order_note=%D1%82%D0%B5%D1%81%D1%82&pg_sig=0c2333506b742d4acb8cd660f59e45d4"
/// The signed answer to it for `{"pg_status":"ok","pg_description":"Order <23> & paid"}`:
/// md5("result;Order <23> & paid;abc123salt;ok;<secret>").
let resultAnswerSignature = "0bd3e6c928853e9a3ab950e79d6d6b52"
/// "Check request" fields; md5("check;25;KZT;23;4567788;25;KZT;25;checksalt1;<secret>").
let checkFields = [
    ("pg_order_id", "23"), ("pg_payment_id", "4567788"), ("pg_amount", "25"), ("pg_currency", "KZT"), ("pg_ps_amount", "25"),
    ("pg_ps_currency", "KZT"), ("pg_ps_full_amount", "25"), ("pg_salt", "checksalt1"), ("pg_sig", "5edea707accc23f7e296250e48724798"),
]
/// "Payout notify" with this merchant's id, and the same signed for merchant 999999.
let payoutBody =
    "pg_payment_id=7788&pg_order_id=p-1&pg_status=ok&pg_payment_amount=100.00&pg_merchant_id=123456&pg_salt=payoutsalt&pg_payment_date=2026-12-04+21%3A31%3A00&pg_sig=27cf2c06be271c1bb2f73ffe52940cee"
let payoutOtherMerchantBody =
    "pg_payment_id=7788&pg_order_id=p-1&pg_status=ok&pg_payment_amount=100.00&pg_merchant_id=999999&pg_salt=payoutsalt&pg_payment_date=2026-12-04+21%3A31%3A00&pg_sig=773891c1579d1f52cc5cde02335d5811"
/// "Redirect back" by GET, with a repeated name in its order.
let successQuery = "pg_order_id=23&pg_payment_id=4567788&pg_salt=backsalt&tag=a&tag=b&pg_sig=6d4c8ab2acc126cdec41ef65869ced52"

/// A multipart/form-data body of `fields` with `boundary`.
func multipart(_ fields: [(String, String)], boundary: String) -> String {
    var text = ""
    for (name, value) in fields {
        text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
    }
    return text + "--\(boundary)--\r\n"
}

/// "Result notify" with `pg_request_method` XML: one `pg_xml` field holding the document;
/// md5("result;25;23;4567788;1;xmlsalt;<secret>").
let resultXMLBody =
    "pg_xml=%3C%3Fxml+version%3D%221.0%22+encoding%3D%22utf-8%22%3F%3E%3Crequest%3E%3Cpg_order_id%3E23%3C%2Fpg_order_id%3E%3Cpg_payment_id%3E4567788%3C%2Fpg_payment_id%3E%3Cpg_amount%3E25%3C%2Fpg_amount%3E%3Cpg_result%3E1%3C%2Fpg_result%3E%3Cpg_salt%3Exmlsalt%3C%2Fpg_salt%3E%3Cpg_sig%3E19d01a1272983cbf49e76594f1387ca0%3C%2Fpg_sig%3E%3C%2Frequest%3E"
