import Foundation
import LoopbackTestSupport
import Testing

@testable import Sidecar

private func post(
    _ body: String, headers: String = "Content-Type: application/x-www-form-urlencoded\r\n", path: String = "/freedompay/result"
) -> String {
    "POST \(path) HTTP/1.1\r\nHost: x\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
}

/// The signing listener's hostile inputs (`BadInputTests`), as they apply to the callback
/// listener, plus its own policy: each is answered by the sidecar and nothing reaches the app.
let callbackBadInputs: [BadInput] = [
    BadInput(
        name: "Host not host[:port]",
        raw:
            "POST /freedompay/result HTTP/1.1\r\nHost: a/b@c\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(resultBody.utf8.count)\r\n\r\n\(resultBody)",
        status: 400, code: "invalid_request"),
    BadInput(
        name: "no Host",
        raw:
            "POST /freedompay/result HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(resultBody.utf8.count)\r\n\r\n\(resultBody)",
        status: 400, code: "invalid_request"),
    BadInput(
        name: "Host with a bad port",
        raw:
            "POST /freedompay/result HTTP/1.1\r\nHost: x:port\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(resultBody.utf8.count)\r\n\r\n\(resultBody)",
        status: 400, code: "invalid_request"),
    BadInput(name: "unknown path", raw: post(resultBody, path: "/freedompay/other"), status: 404, code: "unknown_route"),
    BadInput(name: "the signing route", raw: post(resultBody, path: "/v5/g2g/edit"), status: 404, code: "unknown_route"),
    BadInput(
        name: "PUT", raw: "PUT /freedompay/result HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", status: 405, code: "method_not_allowed"
    ),
    BadInput(
        name: "POST with a query string", raw: post(resultBody, path: "/freedompay/result?pg_amount=1"), status: 400,
        code: "invalid_request"),
    BadInput(name: "GET without a query", raw: "GET /freedompay/result HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, code: "invalid_request"),
    BadInput(
        name: "GET with a body", raw: "GET /public/success?\(successQuery) HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab", status: 400,
        code: "invalid_request"),
    BadInput(
        name: "no length", raw: "POST /freedompay/result HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n",
        status: 411, code: "length_required"),
    BadInput(
        name: "JSON content type", raw: post(#"{"pg_sig":"x"}"#, headers: "Content-Type: application/json\r\n"), status: 415,
        code: "unsupported_media_type"),
    BadInput(name: "no content type", raw: post(resultBody, headers: ""), status: 415, code: "unsupported_media_type"),
    BadInput(
        name: "body over 16 KiB",
        raw:
            "POST /freedompay/result HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 16385\r\n\r\n",
        status: 413, code: "body_too_large"),
    BadInput(
        name: "headers over 8 KiB",
        raw: post(
            resultBody, headers: "Content-Type: application/x-www-form-urlencoded\r\nX-Pad: \(String(repeating: "a", count: 9000))\r\n"),
        status: 431, code: "headers_too_large"),
    BadInput(
        name: "more than 64 header fields",
        raw: post(
            resultBody,
            headers: "Content-Type: application/x-www-form-urlencoded\r\n"
                + (1...64).map { "X-Pad-\($0): a\r\n" }.joined()),
        status: 431, code: "headers_too_large"),
    BadInput(
        name: "Content-Length with Transfer-Encoding",
        raw:
            "POST /freedompay/result HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        status: 400, code: "malformed_request"),
    BadInput(
        name: "duplicate Content-Length",
        raw:
            "POST /freedompay/result HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab",
        status: 400, code: "malformed_request"),
    BadInput(
        name: "obs-fold",
        raw:
            "POST /freedompay/result HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n folded\r\nContent-Length: 2\r\n\r\nab",
        status: 400, code: "malformed_request"),
    BadInput(
        name: "HTTP/2.0 request line", raw: "POST /freedompay/result HTTP/2.0\r\nHost: x\r\n\r\n", status: 505,
        code: "http_version_not_supported"),
    BadInput(
        name: "multipart without its closing boundary",
        raw: post(
            "--b\r\nContent-Disposition: form-data; name=\"pg_sig\"\r\n\r\nx\r\n",
            headers: "Content-Type: multipart/form-data; boundary=b\r\n"),
        status: 400, code: "invalid_body"),
    BadInput(
        name: "pg_xml not well-formed", raw: post("pg_xml=%3Crequest%3E%3Cpg_sig%3Ex%3C%2Frequest%3E"), status: 400, code: "invalid_body"),
    BadInput(name: "bad percent-encoding", raw: post("pg_sig=%zz"), status: 400, code: "invalid_body"),
    BadInput(name: "invalid UTF-8", raw: post(resultBody + "&note=%FF"), status: 400, code: "invalid_body"),
    BadInput(name: "unsigned form", raw: post("pg_order_id=23&pg_salt=x"), status: 403, code: "callback_unverified"),
    BadInput(
        name: "two signatures", raw: post(resultBody + "&pg_sig=0c2333506b742d4acb8cd660f59e45d4"), status: 403, code: "callback_unverified"
    ),
    BadInput(
        name: "signature in upper case but wrong", raw: post(resultBody.replacingOccurrences(of: "0c2333506b", with: "0C2333506C")),
        status: 403, code: "callback_unverified"),
]

@Suite(.timeLimit(.minutes(2))) struct CallbackBadInputTests {
    @Test(arguments: callbackBadInputs)
    func badInputIsAnsweredBySidecarAndNothingReachesTheApp(_ input: BadInput) async throws {
        try await withCallbackSidecar { sidecar, app in
            let client = try LoopbackClient(sidecar.callbackAddress!)
            try await client.send(input.raw)
            let response = try await client.readResponse()
            #expect(response.status == input.status)
            #expect(response.header("X-Sidecar-Error") == input.code)
            let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: [String: String]]
            #expect(json?["error"]?["code"] == input.code)
            #expect(app.requests.isEmpty, "nothing may be forwarded")
        }
    }

    @Test func requestThatNeverCompletesGets408() async throws {
        try await withCallbackSidecar(upstream: "sandbox", configure: { $0.headerTimeout = 0.3 }) { sidecar, app in
            let client = try LoopbackClient(sidecar.callbackAddress!)
            try await client.send(
                "POST /freedompay/result HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 40\r\n\r\npg_"
            )
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(app.requests.isEmpty)
        }
    }

    /// At the limit an idle kept-alive connection is closed to make room (issue #16's rule,
    /// shared by every listener); a connection in the middle of a request is not, so the
    /// newcomer gets 503 and is closed.
    @Test func connectionsBeyondTheCallbackLimitAreAnsweredAndClosed() async throws {
        try await withCallbackSidecar(upstream: "sandbox", configure: { $0.callbackMaxConnections = 1 }) { sidecar, app in
            let first = try LoopbackClient(sidecar.callbackAddress!)
            try await first.send(callbackPost("/freedompay/result", body: resultBody))
            #expect(try await first.readResponse().status == 200)
            // Idle between requests: evicted for the newcomer, which is served. The newcomer is
            // mid-request as soon as it is in: its head is read (the sidecar answers `100
            // Continue`, so it has read it however slow the machine) and its body is not, so it
            // holds its slot. `first` becomes evictable on its loop just after its answer is
            // written; a newcomer that races that instant is refused (503 and closed, so its send
            // or read may also meet a reset), and each retry is one more round trip for that loop
            // to get there.
            let head =
                "POST /freedompay/result HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n"
            var second: LoopbackClient?
            for _ in 0..<50 where second == nil {
                let newcomer = try LoopbackClient(sidecar.callbackAddress!)
                do {
                    try await newcomer.send(head)
                    if try await newcomer.readResponse().status == 100 { second = newcomer }
                } catch {}
            }
            #expect(second != nil, "no newcomer was admitted in place of the idle connection")
            #expect(try await first.isClosedByPeer())
            let third = try LoopbackClient(sidecar.callbackAddress!)
            let rejected = try await third.readResponse()
            #expect(rejected.status == 503)
            #expect(try await third.isClosedByPeer())
            #expect(app.requests.count == 1)
        }
    }

    /// Every message llhttp rejects, sent to the callback listener: none reaches the app
    /// (messages llhttp completed before the error are unsigned, so they are refused too).
    @Test func llhttpRejectedMessagesNeverReachTheApp() async throws {
        let rejected = try LLHTTPCases.load().filter { if case .rejected = $0.verdict { true } else { false } }
        #expect(rejected.count > 40)
        try await withCallbackSidecar { sidecar, app in
            for conformanceCase in rejected {
                let client = try LoopbackClient(sidecar.callbackAddress!)
                try await client.send(conformanceCase.input)
                client.finishSending()
                _ = try await client.readUntilClosed()
            }
            #expect(app.requests.isEmpty)
        }
    }
}
