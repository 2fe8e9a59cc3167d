import Foundation
import HTTP1
import JSONCore
import LoopbackTestSupport
import MerchantAPI
import SocketLoop
import Synchronization
import Testing
import Upstream

@testable import Sidecar

/// The Merchant API routes of config/merchant-api.json, as `RouteDecoder` reads them.
func merchantAPIRoutes() throws -> RouteTable {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let bytes = try Data(contentsOf: root.appendingPathComponent("config/merchant-api.json"))
    guard case .object(let object) = try StrictJSON.parse(Array(bytes)), let routes = object["routes"] else {
        throw LoopbackClientError("config/merchant-api.json has no routes")
    }
    return try RouteDecoder.decode(routes)
}

func formRequest(_ path: String, _ body: String, contentType: String = "application/x-www-form-urlencoded", headers: String = "")
    -> String
{
    "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: \(contentType)\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
}

/// An upstream that records what it is sent and answers with a fixed XML body.
final class RecordingUpstream: UpstreamClient {
    let answer: @Sendable (UpstreamRequest) -> [UInt8]
    private let sent = Mutex<[UpstreamRequest]>([])

    init(answer: @escaping @Sendable (UpstreamRequest) -> [UInt8]) {
        self.answer = answer
    }

    var requests: [UpstreamRequest] { sent.withLock { $0 } }

    func send(_ request: UpstreamRequest, on loop: EventLoop, completion: @escaping UpstreamCompletion) {
        sent.withLock { $0.append(request) }
        completion(
            .success(
                UpstreamResponse(status: 200, headers: [HTTPHeader(name: "Content-Type", value: "application/xml")], body: answer(request))),
            1)
    }
}

@Suite(.timeLimit(.minutes(1))) struct MerchantAPIProxyTests {
    let secret = Array(testSecret.utf8)

    /// A sidecar with the Merchant API preset in front of `upstream`.
    func withMerchantSidecar<Result>(
        upstream: RecordingUpstream, configure: (inout SidecarConfiguration) -> Void = { _ in },
        _ body: (Sidecar) async throws -> Result
    ) async throws -> Result {
        var configuration = SidecarConfiguration()
        configuration.listen = "127.0.0.1:0"
        configuration.adminListen = "127.0.0.1:0"
        configuration.upstream = .url("http://127.0.0.1:9")
        configuration.authID = testMerchant
        configuration.key = .inline(secret)
        configuration.routes = try merchantAPIRoutes()
        configure(&configuration)
        let sidecar = try buildSidecar(configuration: configuration, logger: LogCapture().logger, upstream: upstream)
        sidecar.start()
        defer { Task { _ = await sidecar.shutdown() } }
        return try await body(sidecar)
    }

    func signedAnswer(script: String, _ fields: [MerchantField]) -> [UInt8] {
        (try? XMLResponseWriter.response(PGSignature.signedFields(script: script, fields: fields, salt: "s4lt", secret: secret))) ?? []
    }

    @Test func initPaymentIsSignedWithMerchantIDSaltAndSigAfterTheCallersFields() async throws {
        let upstream = RecordingUpstream { _ in [] }
        try await withMerchantSidecar(upstream: upstream) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send(
                formRequest(
                    "/init_payment.php", "pg_order_id=A-1&pg_amount=25.50&pg_description=%D0%B7%D0%B0%D0%BA%D0%B0%D0%B7&note=mine",
                    headers: "Idempotency-Key: order-A-1\r\n"))
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("X-FreedomPay-Signature") == "absent")
            let sent = try #require(upstream.requests.first)
            #expect(sent.url == "http://127.0.0.1:9/init_payment.php")
            #expect(sent.singleUse, "never resent, never on a reused connection")
            #expect(sent.headers.first(named: "Content-Type") == "application/x-www-form-urlencoded")
            #expect(sent.headers.first(named: "X-JWS-Signature") == nil)
            let fields = try FormReader.readURLEncoded(sent.body, policy: .signing)
            #expect(fields.map(\.name) == ["pg_order_id", "pg_amount", "pg_description", "note", "pg_merchant_id", "pg_salt", "pg_sig"])
            #expect(fields[2].value == "заказ")
            #expect(fields[4].value == testMerchant)
            #expect(fields[5].value.count == 20 && fields[5].value.utf8.allSatisfy { PGSalt.alphabet.contains($0) })
            #expect(!fields.contains { $0.name == "pg_idempotency_key" }, "init_payment.php documents no pg_idempotency_key")
            let message = try PGSigMessage(formFields: fields, allowsRepeatedNames: false)
            #expect(PGSignature.check(script: "init_payment.php", message: message, secret: secret) == .verified)
        }
    }

    /// With the caller's salt the body sent is fixed: pinned byte for byte, its pg_sig from
    /// Python (`hashlib.md5("init_payment.php;25;Заказ 1;123456;23;molbulak;" + testSecret)`).
    @Test func theBodySentIsPinnedByteForByte() async throws {
        let upstream = RecordingUpstream { _ in [] }
        try await withMerchantSidecar(upstream: upstream) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send(
                formRequest(
                    "/init_payment.php", "pg_order_id=23&pg_amount=25&pg_description=%D0%97%D0%B0%D0%BA%D0%B0%D0%B7+1&pg_salt=molbulak",
                    headers: "Idempotency-Key: order-23-create\r\n"))
            #expect(try await client.readResponse().status == 200)
            let sent = try #require(upstream.requests.first)
            #expect(
                String(decoding: sent.body, as: UTF8.self)
                    == "pg_order_id=23&pg_amount=25&pg_description=%D0%97%D0%B0%D0%BA%D0%B0%D0%B7%201&pg_salt=molbulak"
                    + "&pg_merchant_id=123456&pg_sig=229b43e63411954302a5bbaf6db59c7d")
        }
    }

    @Test func theCallersSaltAndSameMerchantIDAreKeptInPlace() async throws {
        let upstream = RecordingUpstream { _ in [] }
        try await withMerchantSidecar(upstream: upstream) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send(formRequest("/get_status3.php", "pg_salt=abc&pg_merchant_id=\(testMerchant)&pg_payment_id=7&pg_extra=1"))
            #expect(try await client.readResponse().status == 200)
            let fields = try FormReader.readURLEncoded(try #require(upstream.requests.first).body, policy: .signing)
            #expect(
                fields.map(\.name) == ["pg_salt", "pg_merchant_id", "pg_payment_id", "pg_extra", "pg_sig"],
                "read scripts allow other pg_ fields")
            #expect(fields[0].value == "abc")
        }
    }

    @Test func idempotencyKeyFillsPgIdempotencyKeyWhereTheScriptDocumentsIt() async throws {
        let upstream = RecordingUpstream { _ in [] }
        try await withMerchantSidecar(
            upstream: upstream,
            configure: { c in
                var route = Route(path: "/v1/merchant/\(testMerchant)/card/init", defaultAction: "init")
                route.signature = .pgSig
                c.routes = RouteTable([route])
            }
        ) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send(
                formRequest(
                    "/v1/merchant/\(testMerchant)/card/init", "pg_order_id=1&pg_amount=10&pg_card_token=t",
                    headers: "Idempotency-Key: 550e8400-e29b-41d4-a716-446655440000\r\n"))
            #expect(try await client.readResponse().status == 200)
            let fields = try FormReader.readURLEncoded(try #require(upstream.requests.first).body, policy: .signing)
            #expect(fields.first { $0.name == "pg_idempotency_key" }?.value == "550e8400-e29b-41d4-a716-446655440000")
            let message = try PGSigMessage(formFields: fields, allowsRepeatedNames: false)
            #expect(PGSignature.check(script: "init", message: message, secret: secret) == .verified)
        }
    }

    /// Each refusal: the exact body, 400 invalid_body (415 for a non-form type), nothing forwarded.
    @Test(arguments: [
        ("/init_payment.php", "pg_amount=1&pg_amount=2", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=1&a.b=2", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=1&a+b=2", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=1&a=%ZZ", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=1&a=%FF", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=1&a=x%0Ay", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=1&pg_description=a%3Bb", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=1&pg_description=a;b", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=1&pg_sig=0123456789abcdef0123456789abcdef", "application/x-www-form-urlencoded", 400),
        ("/get_status3.php", "pg_payment_id=1&pg_sig[0]=x", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=1&pg_order_id=" + String(repeating: "x", count: 51), "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=1&pg_unknown=1", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=1&pg_merchant_id=999", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=1.005", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=0", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=0.00", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=-1", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=1e3", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=01", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=1.", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=100000000", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=99999999.01", "application/x-www-form-urlencoded", 400),
        ("/revoke.php", "pg_payment_id=1&pg_refund_amount=1%2C5", "application/x-www-form-urlencoded", 400),
        ("/do_capture.php", "pg_payment_id=1&pg_clearing_amount=+1", "application/x-www-form-urlencoded", 400),
        ("/init_payment.php", "pg_amount=1&pg_receipt_positions[]=x", "application/x-www-form-urlencoded", 400),
        (
            "/init_payment.php", "pg_amount=1&pg_receipt_positions=1&pg_receipt_positions[0][name]=x", "application/x-www-form-urlencoded",
            400
        ),
        ("/init_payment.php", "pg_amount=1&&pg_order_id=1", "application/x-www-form-urlencoded", 400),
        (
            "/init_payment.php", "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nx\r\n--b--\r\n",
            "multipart/form-data; boundary=b", 400
        ),
        (
            "/init_payment.php", "--b\r\nContent-Disposition: form-data; name=\"pg_description\"\r\n\r\na;b\r\n--b--\r\n",
            "multipart/form-data; boundary=b", 400
        ),
        ("/init_payment.php", #"{"pg_amount":1}"#, "application/json", 415),
    ])
    func refusedAndNothingForwarded(_ path: String, _ body: String, _ contentType: String, _ status: Int) async throws {
        let upstream = RecordingUpstream { _ in [] }
        try await withMerchantSidecar(upstream: upstream) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send(formRequest(path, body, contentType: contentType, headers: "Idempotency-Key: k-1\r\n"))
            let response = try await client.readResponse()
            #expect(response.status == status, "\(response.bodyText)")
            #expect(response.header("X-Sidecar-Error") == (status == 415 ? "unsupported_media_type" : "invalid_body"))
            #expect(upstream.requests.isEmpty)
        }
    }

    /// The same Idempotency-Key on another form is a 422 (per replica), nothing forwarded;
    /// on the same form (another salt) it is sent again: the Merchant API has no request id.
    @Test func aKeyReusedForAnotherFormIs422() async throws {
        let upstream = RecordingUpstream { _ in [] }
        try await withMerchantSidecar(upstream: upstream) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            for (body, status) in [
                ("pg_order_id=9&pg_amount=10&pg_description=x", 200), ("pg_order_id=9&pg_amount=11&pg_description=x", 422),
                ("pg_salt=abc&pg_order_id=9&pg_amount=10&pg_description=x", 200),
            ] {
                try await client.send(formRequest("/init_payment.php", body, headers: "Idempotency-Key: order-9-create\r\n"))
                let response = try await client.readResponse()
                #expect(response.status == status, "\(body): \(response.bodyText)")
                if status == 422 { #expect(response.header("X-Sidecar-Error") == "idempotency_key_reused") }
            }
            #expect(upstream.requests.count == 2)
        }
    }

    @Test func validAmountsAndOwnFieldsPass() async throws {
        let upstream = RecordingUpstream { _ in [] }
        try await withMerchantSidecar(upstream: upstream) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            for amount in ["0.01", "1", "10.5", "99999999", "99999999.00"] {
                try await client.send(
                    formRequest(
                        "/init_payment.php", "pg_amount=\(amount)&custom_field=x&pg_receipt_positions[0][name]=pad",
                        headers: "Idempotency-Key: k-\(amount)\r\n"))
                #expect(try await client.readResponse().status == 200, "\(amount)")
            }
            #expect(upstream.requests.count == 5)
        }
    }

    @Test(arguments: [false, true])
    func answerSignatureIsCheckedForTheRequestsScript(reject: Bool) async throws {
        let good = signedAnswer(script: "get_status3.php", [MerchantField(name: "pg_status", value: "ok")])
        let forOtherScript = signedAnswer(script: "get_status.php", [MerchantField(name: "pg_status", value: "ok")])
        let bodies = Mutex([good, forOtherScript, Array("<response><pg_status>error</pg_status></response>".utf8)])
        let upstream = RecordingUpstream { _ in bodies.withLock { $0.removeFirst() } }
        try await withMerchantSidecar(upstream: upstream, configure: { $0.rejectUnverifiedAnswers = reject }) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            var seen: [(Int, String?, String?)] = []
            for _ in 0..<3 {
                try await client.send(formRequest("/get_status3.php", "pg_payment_id=1"))
                let response = try await client.readResponse()
                seen.append((response.status, response.header("X-FreedomPay-Signature"), response.header("X-Sidecar-Error")))
            }
            #expect(seen[0] == (200, "verified", nil))
            #expect(seen[1] == (reject ? 502 : 200, reject ? nil : "invalid", reject ? "upstream_bad_signature" : nil))
            #expect(seen[2] == (200, "absent", nil))
            let metrics = String(decoding: await sidecar.metrics.exposition(), as: UTF8.self)
            for (result, count) in [("verified", 1), ("invalid", 1), ("absent", 1)] {
                #expect(metrics.contains("freedompay_sidecar_merchant_answer_signatures_total{result=\"\(result)\"} \(count)"))
            }
        }
    }

    /// A refund whose connection is reset after it was sent is not sent again (a JWS route's
    /// would be, with the same request id): 502, one request upstream.
    @Test func aResetAfterSendingIsNotResent() async throws {
        let server = try TestServer(handler: { _, connection in
            connection.reset()
            return false
        })
        defer { server.stop() }
        try await withSidecar(upstream: server.baseURL, configure: { $0.routes = (try? merchantAPIRoutes()) ?? RouteTable([]) }) {
            sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send(formRequest("/revoke.php", "pg_payment_id=1&pg_refund_amount=5", headers: "Idempotency-Key: r-1\r\n"))
            let response = try await client.readResponse()
            #expect(response.status == 502)
            #expect(response.header("X-Sidecar-Error") == "upstream_unreachable")
            #expect(server.requests.count == 1)
            #expect(server.requests.first?.requestLine == "POST /revoke.php HTTP/1.1")
        }
    }

    /// init_payment → status → refund → status, through the sidecar and the sandbox.
    @Test func initPaymentStatusRefundThroughTheSandbox() async throws {
        try await withSidecar(upstream: "sandbox", configure: { $0.routes = (try? merchantAPIRoutes()) ?? RouteTable([]) }) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            try await client.send(
                formRequest(
                    "/init_payment.php", "pg_order_id=A-1&pg_amount=2500.50&pg_description=Ticket&pg_receipt_positions[0][name]=pad",
                    headers: "Idempotency-Key: order-A-1-create\r\n"))
            let created = try await client.readResponse()
            #expect(created.status == 200)
            #expect(created.header("X-FreedomPay-Signature") == "verified")
            let createdXML = try StrictXML.parse(created.body)
            #expect(createdXML.firstChild(named: "pg_status")?.text == "ok")
            #expect(createdXML.firstChild(named: "pg_redirect_url")?.text.hasPrefix("http://sandbox.invalid/pay.html") == true)
            let id = try #require(createdXML.firstChild(named: "pg_payment_id")?.text)

            let boundary = "----x7"
            let status =
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"pg_payment_id\"\r\n\r\n\(id)\r\n--\(boundary)--\r\n"
            try await client.send(formRequest("/get_status3.php", status, contentType: "multipart/form-data; boundary=\(boundary)"))
            let paid = try await client.readResponse()
            #expect(paid.header("X-FreedomPay-Signature") == "verified")
            let paidXML = try StrictXML.parse(paid.body)
            #expect(paidXML.firstChild(named: "pg_payment_status")?.text == "success")
            #expect(paidXML.firstChild(named: "pg_amount")?.text == "2500.5")

            try await client.send(
                formRequest("/revoke.php", "pg_payment_id=\(id)&pg_refund_amount=1000", headers: "Idempotency-Key: order-A-1-refund-1\r\n"))
            let refunded = try await client.readResponse()
            #expect(refunded.header("X-FreedomPay-Signature") == "verified")
            #expect(try StrictXML.parse(refunded.body).firstChild(named: "pg_status")?.text == "ok")

            try await client.send(formRequest("/get_status3.php", "pg_payment_id=\(id)"))
            let after = try await client.readResponse()
            #expect(after.header("X-FreedomPay-Signature") == "verified", "nested pg_refund_payments verify")
            let afterXML = try StrictXML.parse(after.body)
            #expect(afterXML.firstChild(named: "pg_refund_amount")?.text == "-1000")
            #expect(afterXML.firstChild(named: "pg_refund_payments")?.children.first?.firstChild(named: "pg_amount")?.text == "-1000")

            try await client.send(
                formRequest("/revoke.php", "pg_payment_id=\(id)&pg_refund_amount=2000", headers: "Idempotency-Key: order-A-1-refund-2\r\n"))
            let tooMuch = try StrictXML.parse(try await client.readResponse().body)
            #expect(tooMuch.firstChild(named: "pg_status")?.text == "error")
            #expect(tooMuch.firstChild(named: "pg_error_code")?.text == "422")
        }
    }
}
