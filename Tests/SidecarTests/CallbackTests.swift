import Crypto
import Foundation
import HTTP1
import LoopbackTestSupport
import MerchantAPI
import Testing

@testable import Sidecar

/// The callback listener end to end over loopback: Freedom Pay (the test) → sidecar → app
/// (`FakeCallbackApp`) → sidecar → Freedom Pay (README "Callbacks").
@Suite(.timeLimit(.minutes(1))) struct CallbackTests {
    @Test func resultCallbackIsVerifiedForwardedAndAnsweredWithSignedXML() async throws {
        try await withCallbackSidecar { sidecar, app in
            app.answer(#"{"pg_description":"Order <23> & paid","pg_status":"ok"}"#)
            let response = try await sendCallback(sidecar, callbackPost("/freedompay/result", body: resultBody))
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/xml; charset=utf-8")
            #expect(
                response.bodyText
                    == #"<?xml version="1.0" encoding="utf-8"?>"# + "\n"
                    + #"<response><pg_status>ok</pg_status><pg_description>Order &lt;23&gt; &amp; paid</pg_description><pg_salt>abc123salt</pg_salt><pg_sig>\#(resultAnswerSignature)</pg_sig></response>"#
            )
            let forwarded = try #require(app.requests.first)
            #expect(app.requests.count == 1)
            #expect(forwarded.method == "POST")
            #expect(forwarded.target == "/app/result")
            #expect(forwarded.body == Array(resultBody.utf8), "the same bytes")
            #expect(forwarded.header("Content-Type") == "application/x-www-form-urlencoded")
            #expect(forwarded.headers.values(named: "X-FreedomPay-Signature") == ["verified"])
            #expect(forwarded.header("X-FreedomPay-Repeat") == nil)
            #expect(UUIDText.isValid(forwarded.header("X-Request-Id") ?? ""))
        }
    }

    @Test func checkCallbackInMultipartIsAnsweredWithTheAppsRejection() async throws {
        try await withCallbackSidecar { sidecar, app in
            app.answer(#"{"pg_status":"rejected","pg_description":"sold out"}"#)
            let body = multipart(checkFields, boundary: "b0undary")
            let response = try await sendCallback(
                sidecar, callbackPost("/freedompay/check", body: body, contentType: "multipart/form-data; boundary=b0undary"))
            #expect(response.status == 200)
            #expect(
                response.bodyText.contains(
                    "<pg_status>rejected</pg_status><pg_description>sold out</pg_description><pg_salt>checksalt1</pg_salt>"))
            #expect(app.requests.first?.body == Array(body.utf8))
            #expect(app.requests.first?.header("Content-Type") == "multipart/form-data; boundary=b0undary")
        }
    }

    @Test func xmlCallbackInPgXmlIsVerifiedAndItsSaltEchoed() async throws {
        try await withCallbackSidecar { sidecar, app in
            let response = try await sendCallback(sidecar, callbackPost("/freedompay/result", body: resultXMLBody))
            #expect(response.status == 200)
            #expect(response.bodyText.contains("<pg_status>ok</pg_status><pg_salt>xmlsalt</pg_salt>"))
            #expect(app.requests.first?.body == Array(resultXMLBody.utf8))
            let tampered = resultXMLBody.replacingOccurrences(of: "%3E25%3C", with: "%3E26%3C")
            #expect(try await sendCallback(sidecar, callbackPost("/freedompay/result", body: tampered)).status == 403)
            #expect(app.requests.count == 1)
        }
    }

    @Test func payoutCallbackIsPassedThroughUnchanged() async throws {
        try await withCallbackSidecar { sidecar, app in
            app.answer(contentType: "text/plain", "OK", headers: [HTTPHeader(name: "X-App", value: "1")])
            let response = try await sendCallback(sidecar, callbackPost("/freedompay/payout", body: payoutBody))
            #expect(response.status == 200)
            #expect(response.bodyText == "OK")
            #expect(response.header("X-App") == "1")
            #expect(response.header("Content-Type") == "text/plain")
            #expect(app.requests.first?.target == "/app/payout")
        }
    }

    @Test func getCallbackIsForwardedAsGetWithTheSameQuery() async throws {
        try await withCallbackSidecar { sidecar, app in
            app.answer(status: 302, contentType: "text/html", "", headers: [HTTPHeader(name: "Location", value: "/thanks")])
            let response = try await sendCallback(sidecar, "GET /public/success?\(successQuery) HTTP/1.1\r\nHost: shop.example.com\r\n\r\n")
            #expect(response.status == 302)
            #expect(response.header("Location") == "/thanks")
            let forwarded = try #require(app.requests.first)
            #expect(forwarded.method == "GET")
            #expect(forwarded.target == "/app/success?\(successQuery)")
            #expect(forwarded.body.isEmpty)
            #expect(forwarded.header("X-FreedomPay-Signature") == "verified")
        }
    }

    @Test func tamperedFieldIsRefusedWith403AndAWarningWithoutValues() async throws {
        let logs = LogCapture()
        try await withCallbackSidecar(logs: logs) { sidecar, app in
            let tampered = resultBody.replacingOccurrences(of: "pg_amount=25&", with: "pg_amount=2500&")
            let response = try await sendCallback(sidecar, callbackPost("/freedompay/result", body: tampered))
            #expect(response.status == 403)
            #expect(response.header("X-Sidecar-Error") == "callback_unverified")
            #expect(app.requests.isEmpty, "nothing forwarded")
            let warning = try #require(try logs.objects().first { ($0["message"] as? String)?.hasPrefix("callback refused") == true })
            #expect(warning["level"] as? String == "warning")
            #expect(warning["reason"] as? String == "signature_invalid")
            for value in ["2500", "4567788", "abc123salt", "0c2333506b742d4acb8cd660f59e45d4", "Ticket"] {
                #expect(!logs.all.joined().contains(value), "the log carries no field value (\(value))")
            }
            let metrics = String(decoding: await sidecar.metrics.exposition(), as: UTF8.self)
            #expect(metrics.contains(#"freedompay_sidecar_callbacks_total{path="/freedompay/result",outcome="signature_invalid"} 1"#))
        }
    }

    @Test func missingSignatureIsRefused() async throws {
        try await withCallbackSidecar { sidecar, app in
            let unsigned = resultBody.replacingOccurrences(of: "&pg_sig=0c2333506b742d4acb8cd660f59e45d4", with: "")
            let response = try await sendCallback(sidecar, callbackPost("/freedompay/result", body: unsigned))
            #expect(response.status == 403)
            #expect(app.requests.isEmpty)
            let metrics = String(decoding: await sidecar.metrics.exposition(), as: UTF8.self)
            #expect(metrics.contains(#"freedompay_sidecar_callbacks_total{path="/freedompay/result",outcome="signature_missing"} 1"#))
        }
    }

    @Test func forgedVerifiedHeaderNeitherPassesNorReachesTheApp() async throws {
        try await withCallbackSidecar { sidecar, app in
            let unsigned = resultBody.replacingOccurrences(of: "&pg_sig=0c2333506b742d4acb8cd660f59e45d4", with: "")
            let forged = try await sendCallback(
                sidecar, callbackPost("/freedompay/result", body: unsigned, extraHeaders: "X-FreedomPay-Signature: verified\r\n"))
            #expect(forged.status == 403)
            #expect(app.requests.isEmpty)
            let genuine = try await sendCallback(
                sidecar,
                callbackPost(
                    "/freedompay/result", body: resultBody,
                    extraHeaders: "X-FreedomPay-Signature: forged\r\nX-FreedomPay-Repeat: false\r\n"))
            #expect(genuine.status == 200)
            #expect(app.requests.first?.headers.values(named: "X-FreedomPay-Signature") == ["verified"], "the incoming one is removed")
            #expect(app.requests.first?.headers.values(named: "X-FreedomPay-Repeat") == [])
        }
    }

    @Test func anotherMerchantsCallbackIsRefused() async throws {
        try await withCallbackSidecar { sidecar, app in
            let response = try await sendCallback(sidecar, callbackPost("/freedompay/payout", body: payoutOtherMerchantBody))
            #expect(response.status == 403)
            #expect(app.requests.isEmpty)
            let metrics = String(decoding: await sidecar.metrics.exposition(), as: UTF8.self)
            #expect(metrics.contains(#"freedompay_sidecar_callbacks_total{path="/freedompay/payout",outcome="wrong_merchant"} 1"#))
        }
    }

    @Test func repeatedCallbackIsMarkedForTheApp() async throws {
        try await withCallbackSidecar { sidecar, app in
            let first = try await sendCallback(sidecar, callbackPost("/freedompay/result", body: resultBody))
            let second = try await sendCallback(sidecar, callbackPost("/freedompay/result", body: resultBody))
            #expect(first.status == 200)
            #expect(second.status == 200)
            #expect(app.requests.map { $0.header("X-FreedomPay-Repeat") } == [nil, "true"])
            #expect(app.requests.map(\.body) == [Array(resultBody.utf8), Array(resultBody.utf8)])
        }
    }

    /// A callback with its own key file (another merchant secret) verifies with it, and with
    /// the new secret once the file is rotated and reloaded; the main key does not verify it.
    @Test func callbackWithItsOwnRotatedKeyFile() async throws {
        let path = NSTemporaryDirectory() + "callback-key-\(UUID().uuidString)"
        #expect(
            FileManager.default.createFile(atPath: path, contents: Data("payout-secret-one".utf8), attributes: [.posixPermissions: 0o600]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        func body(_ signature: String) -> String {
            payoutBody.replacingOccurrences(of: "27cf2c06be271c1bb2f73ffe52940cee", with: signature)
        }
        try await withCallbackSidecar(
            upstream: "sandbox",
            configure: {
                $0.callbacks.append(
                    CallbackRoute(
                        path: "/own/payout", forwardTo: $0.callbacks[0].forwardTo, answer: .passThrough,
                        credentials: RouteCredentials(key: .file(path: path))))
            }
        ) { sidecar, app in
            // md5("payout;123456;p-1;100.00;2026-12-04 21:31:00;7788;payoutsalt;ok;payout-secret-one"), from Python.
            #expect(
                try await sendCallback(sidecar, callbackPost("/own/payout", body: body("609c8f83def9d370f51a6ab4d2c3532d"))).status == 200)
            #expect(try await sendCallback(sidecar, callbackPost("/own/payout", body: payoutBody)).status == 403, "the main secret's")
            try Data("payout-secret-two".utf8).write(to: URL(fileURLWithPath: path))
            sidecar.reloadKey(onlyIfChanged: false, reason: "test")
            #expect(
                try await sendCallback(sidecar, callbackPost("/own/payout", body: body("584787301cfa6c631028256a92eef919"))).status == 200)
            #expect(
                try await sendCallback(sidecar, callbackPost("/own/payout", body: body("609c8f83def9d370f51a6ab4d2c3532d"))).status == 403)
            #expect(app.requests.count == 2)
        }
    }

    @Test func repeatRecordIsBoundedAndForgetsTheOldestFirst() {
        let record = CallbackRepeatRecord(capacity: 2)
        func digest(_ fields: [(String, String)], path: String = "/p") -> SHA256Digest {
            CallbackSignature.contentDigest(
                path: path, scriptName: "p", message: PGSigMessage(flatFields: fields.map { MerchantField(name: $0.0, value: $0.1) }))
        }
        let digests = (0..<3).map { digest([("n", "\($0)")]) }
        #expect(record.recordAndCheck(digests[0]) == false)
        #expect(record.recordAndCheck(digests[1]) == false)
        #expect(record.recordAndCheck(digests[0]) == true)
        #expect(record.recordAndCheck(digests[2]) == false)
        #expect(record.count == 2)
        #expect(record.recordAndCheck(digests[0]) == false, "the oldest was forgotten")
        // The signed content is the script name and the values (names sort them), per path.
        #expect(digest([("a", "1"), ("b", "2")]) == digest([("b", "2"), ("a", "1")]))
        #expect(digest([("a", "1")]) != digest([("a", "1")], path: "/q"))
        #expect(digest([("a", "1;2")]) == digest([("a", "1"), ("b", "2")]), "as pg_sig itself cannot tell these apart")
    }

    @Test(arguments: [
        (500, "application/json", #"{"pg_status":"ok"}"#),
        (200, "text/plain", "ok"),
        (200, "application/json", #"{"pg_status":"maybe"}"#),
        (200, "application/json", #"{"pg_status":"ok","pg_sig":"0"}"#),
        (404, "application/json", #"{"pg_status":"ok"}"#),
    ])
    func appThatFailsGets502AndNeverASignedOk(status: Int, contentType: String, body: String) async throws {
        try await withCallbackSidecar { sidecar, app in
            app.answer(status: status, contentType: contentType, body)
            let response = try await sendCallback(sidecar, callbackPost("/freedompay/result", body: resultBody))
            #expect(response.status == 502)
            #expect(response.header("X-Sidecar-Error") == "app_bad_answer")
            #expect(!response.bodyText.contains("<pg_status>"), "never a signed answer")
            #expect(response.header("Content-Type") == "application/json")
        }
    }

    @Test func appDownGets502AndSlowAppGets504() async throws {
        try await withCallbackSidecar(
            upstream: "sandbox",
            configure: {
                $0.callbackAppTimeout = 0.3
                $0.callbacks.append(CallbackRoute(path: "/freedompay/down", forwardTo: "http://127.0.0.1:1/down", scriptName: "result"))
            }
        ) { sidecar, app in
            let down = try await sendCallback(sidecar, callbackPost("/freedompay/down", body: resultBody))
            #expect(down.status == 502)
            #expect(down.header("X-Sidecar-Error") == "app_unreachable")
            app.hold.withLock { $0 = true }
            let slow = try await sendCallback(sidecar, callbackPost("/freedompay/result", body: resultBody))
            #expect(slow.status == 504)
            #expect(slow.header("X-Sidecar-Error") == "app_timeout")
            app.release.open()
        }
    }
}
