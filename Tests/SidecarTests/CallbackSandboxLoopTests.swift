import HTTP1
import HTTPServer
import LoopbackTestSupport
import MerchantAPI
import SocketLoop
import Testing
import Upstream

@testable import Sandbox
@testable import Sidecar

/// The loop a developer runs on one machine: the sandbox's payment page pays, the sandbox
/// sends the signed Result callback to the sidecar's callback listener, the app answers
/// JSON, the sandbox verifies the signed XML it gets back, and the buyer's browser returns
/// through the listener to the app ("Redirect back"). README "Callbacks".
@Suite(.timeLimit(.minutes(1))) struct CallbackSandboxLoopTests {
    /// The sandbox on its own loopback listener with a payment page, as `freedompay-sidecar sandbox` runs it.
    func withSandboxCheckout<Result>(
        isolation: isolated (any Actor)? = #isolation, _ body: (HTTPServer, SandboxCheckout) async throws -> Result
    ) async throws -> Result {
        let keyStore = try KeyStore(source: .inline(Array(testSecret.utf8)), algorithm: .hs256)
        let client = try HTTPUpstreamClient()
        defer { client.shutdown() }
        let checkout = SandboxCheckout(client: client, secret: { keyStore.key.sharedSecret ?? [] })
        let responder = SandboxResponder(emulator: SandboxEmulator(keyStore: keyStore, merchantID: testMerchant), checkout: checkout)
        let server = HTTPServer(listener: try Listener(address: .tcp(host: "127.0.0.1", port: 0)), responder: responder)
        return try await withStartedServer(server) { try await body($0, checkout) }
    }

    @Test(arguments: ["POST", "GET", "XML"])
    func paymentPageSendsTheSignedResultCallbackThroughTheSidecarToTheApp(requestMethod: String) async throws {
        try await withCallbackSidecar { sidecar, app in
            try await withSandboxCheckout { sandbox, checkout in
                let listener = "http://\(sidecar.callbackAddress!)"
                checkout.register(
                    customer: "c1",
                    payment: SandboxCheckout.Payment(
                        merchantID: testMerchant, paymentID: "901", orderID: "23", amount: "25", currency: "KZT", description: "Ticket",
                        resultURL: listener + "/freedompay/result", requestMethod: requestMethod, successURL: listener + "/public/success",
                        failureURL: nil))
                app.answer(#"{"pg_status":"ok","pg_description":"payment recorded"}"#)

                let page = try LoopbackClient(sandbox.address)
                try await page.send("GET /pay.html?customer=c1 HTTP/1.1\r\nHost: sandbox\r\n\r\n")
                let shown = try await page.readResponse()
                #expect(shown.status == 200)
                #expect(shown.bodyText.contains("Order 23: 25 KZT"))

                try await page.send(
                    "POST /pay.html HTTP/1.1\r\nHost: sandbox\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\ncustomer=c1"
                )
                let paid = try await page.readResponse()
                #expect(paid.status == 303)
                #expect(paid.header("X-FreedomPay-Sandbox-Callback") == "ok", "the sandbox verified the sidecar's signed XML answer")
                let result = try #require(app.requests.first)
                #expect(result.method == (requestMethod == "GET" ? "GET" : "POST"))
                #expect(result.target.hasPrefix("/app/result"))
                #expect(result.header("X-FreedomPay-Signature") == "verified")
                let carried = requestMethod == "GET" ? result.target : String(decoding: result.body, as: UTF8.self)
                #expect(carried.contains(requestMethod == "XML" ? "pg_xml=" : "pg_order_id=23"))

                // The buyer's browser follows the redirect back through the listener.
                let location = try #require(paid.header("Location"))
                #expect(location.hasPrefix(listener + "/public/success?pg_order_id=23&pg_payment_id=901&pg_salt="))
                let back = try LoopbackClient(sidecar.callbackAddress!)
                app.answer(contentType: "text/html", "thanks")
                try await back.send("GET \(location.dropFirst(listener.utf8.count)) HTTP/1.1\r\nHost: shop\r\n\r\n")
                let thanks = try await back.readResponse()
                #expect(thanks.status == 200)
                #expect(thanks.bodyText == "thanks")
                #expect(app.requests.count == 2)
                #expect(app.requests.last?.method == "GET")
                #expect(app.requests.last?.header("X-FreedomPay-Signature") == "verified")
            }
        }
    }

    /// The whole loop: app → sidecar (`init_payment.php`, signed) → sandbox → payment page →
    /// Result callback → callback listener → app → signed XML → sandbox; buyer → success URL → app.
    @Test func wholeLoopFromInitPaymentToTheAppsResultHandler() async throws {
        try await withSandboxCheckout { sandbox, checkout in
            try await withCallbackSidecar(upstream: "http://\(sandbox.address)", configure: { $0.routes = try! merchantAPIRoutes() }) {
                sidecar, app in
                let listener = "http://\(sidecar.callbackAddress!)"
                let form = FormEncoding.urlEncodedText(
                    [
                        ("pg_order_id", "23"), ("pg_amount", "25"), ("pg_description", "Ticket"), ("pg_currency", "KZT"),
                        ("pg_result_url", listener + "/freedompay/result"), ("pg_request_method", "POST"),
                        ("pg_success_url", listener + "/public/success"),
                    ].map { MerchantField(name: $0.0, value: $0.1) })
                let client = try LoopbackClient(sidecar.address)
                try await client.send(formRequest("/init_payment.php", form, headers: "Idempotency-Key: order-23\r\n"))
                let initAnswer = try await client.readResponse()
                #expect(initAnswer.status == 200)
                #expect(initAnswer.header("X-FreedomPay-Signature") == "verified")
                let root = try StrictXML.parse(initAnswer.body)
                let paymentID = try #require(root.firstChild(named: "pg_payment_id")?.text)
                let redirect = try #require(root.firstChild(named: "pg_redirect_url")?.text)
                let pageTarget = String(try #require(redirect.firstRange(of: "/pay.html").map { redirect[$0.lowerBound...] }))

                app.answer(#"{"pg_status":"ok","pg_description":"payment recorded"}"#)
                let page = try LoopbackClient(sandbox.address)
                try await page.send("GET \(pageTarget) HTTP/1.1\r\nHost: sandbox\r\n\r\n")
                #expect(try await page.readResponse().status == 200)
                let customer = String(pageTarget.split(separator: "=").last ?? "")
                let pay = "customer=\(customer)"
                try await page.send(
                    "POST /pay.html HTTP/1.1\r\nHost: sandbox\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(pay.utf8.count)\r\n\r\n\(pay)"
                )
                let paid = try await page.readResponse()
                #expect(paid.status == 303)
                #expect(paid.header("X-FreedomPay-Sandbox-Callback") == "ok")

                let result = try #require(app.requests.first)
                #expect(result.target == "/app/result")
                #expect(result.header("X-FreedomPay-Signature") == "verified")
                let fields = try FormReader.readURLEncoded(result.body, policy: .verifying)
                #expect(fields.first { $0.name == "pg_payment_id" }?.value == paymentID)
                #expect(fields.first { $0.name == "pg_order_id" }?.value == "23")
                #expect(fields.first { $0.name == "pg_result" }?.value == "1")

                let location = try #require(paid.header("Location"))
                app.answer(contentType: "text/html", "thanks")
                let back = try LoopbackClient(sidecar.callbackAddress!)
                try await back.send("GET \(location.dropFirst(listener.utf8.count)) HTTP/1.1\r\nHost: shop\r\n\r\n")
                #expect(try await back.readResponse().bodyText == "thanks")
                #expect(app.requests.map(\.method) == ["POST", "GET"])
            }
        }
    }

    @Test func aMerchantAnswerThatDoesNotVerifyIsReportedNotTakenAsOk() {
        let unsigned = UpstreamResponse(
            status: 200,
            body: Array(
                #"<?xml version="1.0" encoding="utf-8"?><response><pg_status>ok</pg_status><pg_salt>s</pg_salt><pg_sig>00000000000000000000000000000000</pg_sig></response>"#
                    .utf8))
        #expect(
            SandboxCheckout.merchantAnswer(unsigned, script: "result", secret: Array(testSecret.utf8)) == "failed: pg_sig does not verify")
        #expect(SandboxCheckout.merchantAnswer(UpstreamResponse(status: 502), script: "result", secret: []) == "failed: HTTP 502")
    }
}
