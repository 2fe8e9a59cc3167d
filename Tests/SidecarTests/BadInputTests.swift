import Foundation
import LoopbackTestSupport
import Testing

@testable import Sidecar

/// One bad request and what the sidecar must answer instead of forwarding it.
struct BadInput: Sendable, CustomStringConvertible {
    var name: String
    var raw: [UInt8]
    var status: Int
    var code: String
    var description: String { name }

    init(name: String, raw: String, status: Int, code: String) {
        self.init(name: name, bytes: Array(raw.utf8), status: status, code: code)
    }

    init(name: String, bytes: [UInt8], status: Int, code: String) {
        self.name = name
        self.raw = bytes
        self.status = status
        self.code = code
    }
}

/// A refund needs a key (428 otherwise), so the default headers carry one.
private func post(
    _ body: String, headers: String = "Content-Type: application/json\r\nIdempotency-Key: bad-input-1\r\n", path: String = "/v5/g2g/edit"
) -> String {
    "POST \(path) HTTP/1.1\r\nHost: x\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
}

private let good = #"{"id":"\#(paymentID)","amount":100}"#

/// A chunked refund whose chunks have these sizes: JSON whitespace, then `good` at the end
/// of the last chunk when it fits.
func chunkedPost(_ sizes: [Int]) -> String {
    var body = String(repeating: " ", count: max(0, sizes.reduce(0, +) - good.utf8.count))
    body += good.utf8.count <= sizes.reduce(0, +) ? good : ""
    var bytes = Array(body.utf8)[...]
    var text =
        "POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: chunked-\(UUID().uuidString)\r\nTransfer-Encoding: chunked\r\n\r\n"
    for size in sizes {
        text += String(size, radix: 16) + "\r\n" + String(decoding: bytes.prefix(size), as: UTF8.self) + "\r\n"
        bytes = bytes.dropFirst(size)
    }
    return text + "0\r\n\r\n"
}

let badInputs: [BadInput] = [
    BadInput(
        name: "Host not host[:port]",
        raw:
            "POST /v5/g2g/edit HTTP/1.1\r\nHost: a/b@c\r\nContent-Type: application/json\r\nContent-Length: \(good.utf8.count)\r\n\r\n\(good)",
        status: 400, code: "invalid_request"),
    BadInput(
        name: "Host with a bad port",
        raw:
            "POST /v5/g2g/edit HTTP/1.1\r\nHost: x:port\r\nContent-Type: application/json\r\nContent-Length: \(good.utf8.count)\r\n\r\n\(good)",
        status: 400, code: "invalid_request"),
    BadInput(name: "not JSON", raw: post("{id:1}"), status: 400, code: "invalid_body"),
    BadInput(name: "JSON array", raw: post("[]"), status: 400, code: "invalid_body"),
    BadInput(name: "trailing data", raw: post(good + "{}"), status: 400, code: "invalid_body"),
    BadInput(name: "duplicate amount", raw: post(#"{"id":"\#(paymentID)","amount":1,"amount":-1}"#), status: 400, code: "invalid_body"),
    BadInput(name: "id not a UUID", raw: post(#"{"id":"123","amount":100}"#), status: 400, code: "invalid_body"),
    BadInput(name: "id missing", raw: post(#"{"amount":100}"#), status: 400, code: "invalid_body"),
    BadInput(name: "amount zero", raw: post(#"{"id":"\#(paymentID)","amount":0}"#), status: 400, code: "invalid_body"),
    BadInput(name: "amount negative", raw: post(#"{"id":"\#(paymentID)","amount":-5}"#), status: 400, code: "invalid_body"),
    BadInput(name: "amount as string", raw: post(#"{"id":"\#(paymentID)","amount":"100"}"#), status: 400, code: "invalid_body"),
    BadInput(name: "amount true", raw: post(#"{"id":"\#(paymentID)","amount":true}"#), status: 400, code: "invalid_body"),
    BadInput(name: "amount overflows to infinity", raw: post(#"{"id":"\#(paymentID)","amount":1e400}"#), status: 400, code: "invalid_body"),
    BadInput(
        name: "invalid UTF-8",
        bytes: Array(
            "POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: k\r\nContent-Length: 9\r\n\r\n{\"a\":\""
                .utf8)
            + [0xFF] + Array("\"}".utf8), status: 400, code: "invalid_body"),
    BadInput(
        name: "action not allowed", raw: post(good, headers: "Content-Type: application/json\r\nX-Action: gateway.payment.reverse\r\n"),
        status: 403, code: "action_not_allowed"),
    BadInput(name: "unknown route", raw: post(good, path: "/v5/g2g/create"), status: 404, code: "unknown_route"),
    BadInput(name: "GET on the refund route", raw: "GET /v5/g2g/edit HTTP/1.1\r\nHost: x\r\n\r\n", status: 405, code: "method_not_allowed"),
    BadInput(
        name: "no length", raw: "POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n", status: 411,
        code: "length_required"),
    BadInput(
        name: "Content-Length over 64 KiB, head only (refused before any body byte)",
        raw: "POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 65537\r\n\r\n", status: 413,
        code: "body_too_large"),
    BadInput(
        name: "body over 64 KiB sent in full (Content-Length 65537)",
        raw: post(String(repeating: " ", count: 65537 - good.utf8.count) + good), status: 413, code: "body_too_large"),
    BadInput(
        name: "chunked body over 64 KiB (16 chunks of 4 KiB, then 1 byte more)",
        raw: chunkedPost(Array(repeating: 4096, count: 16) + [1]), status: 413, code: "body_too_large"),
    BadInput(
        name: "form content type", raw: post(good, headers: "Content-Type: application/x-www-form-urlencoded\r\n"), status: 415,
        code: "unsupported_media_type"),
    BadInput(name: "no content type", raw: post(good, headers: ""), status: 415, code: "unsupported_media_type"),
    BadInput(
        name: "headers over 16 KiB",
        raw: post(good, headers: "Content-Type: application/json\r\nX-Pad: \(String(repeating: "a", count: 17000))\r\n"), status: 431,
        code: "headers_too_large"),
    BadInput(
        name: "Content-Length with Transfer-Encoding",
        raw:
            "POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        status: 400, code: "malformed_request"),
    BadInput(
        name: "duplicate Content-Length",
        raw: "POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
        status: 400, code: "malformed_request"),
    BadInput(
        name: "obs-fold",
        raw: "POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n folded\r\nContent-Length: 2\r\n\r\n{}",
        status: 400, code: "malformed_request"),
    BadInput(
        name: "request id not a UUID", raw: post(good, headers: "Content-Type: application/json\r\nX-Request-Id: refund-1\r\n"),
        status: 400, code: "invalid_request_id"),
    BadInput(
        name: "two request ids",
        raw: post(
            good,
            headers:
                "Content-Type: application/json\r\nX-Request-Id: 00000000-0000-4000-8000-000000000001\r\nX-Request-Id: 00000000-0000-4000-8000-000000000002\r\n"
        ), status: 400, code: "invalid_request_id"),
    BadInput(
        name: "refund without Idempotency-Key or X-Request-Id", raw: post(good, headers: "Content-Type: application/json\r\n"),
        status: 428, code: "idempotency_key_required"),
    BadInput(
        name: "refund without a key and with a bad body", raw: post("[]", headers: "Content-Type: application/json\r\n"),
        status: 428, code: "idempotency_key_required"),
    BadInput(
        name: "both Idempotency-Key and X-Request-Id",
        raw: post(
            good, headers: "Content-Type: application/json\r\nIdempotency-Key: k\r\nX-Request-Id: 00000000-0000-4000-8000-000000000001\r\n"),
        status: 400, code: "invalid_request_id"),
    BadInput(name: "query string", raw: post(good, path: "/v5/g2g/edit?amount=1"), status: 400, code: "invalid_request"),
    BadInput(
        name: "no Host",
        raw: "POST /v5/g2g/edit HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: \(good.utf8.count)\r\n\r\n\(good)",
        status: 400, code: "invalid_request"),
    BadInput(
        name: "HTTP/2.0 request line", raw: "POST /v5/g2g/edit HTTP/2.0\r\nHost: x\r\n\r\n", status: 505, code: "http_version_not_supported"
    ),
]

@Suite(.timeLimit(.minutes(1))) struct BadInputTests {
    @Test(arguments: badInputs)
    func badInputIsAnsweredBySidecarAndNothingIsForwarded(_ input: BadInput) async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                try await client.send(input.raw)
                let response = try await client.readResponse()
                #expect(response.status == input.status)
                #expect(response.header("X-Sidecar-Error") == input.code)
                #expect(response.header("Content-Type") == "application/json")
                let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: [String: String]]
                #expect(json?["error"]?["code"] == input.code)
                #expect(json?["error"]?["message"]?.isEmpty == false)
                #expect(fake.requests.isEmpty, "nothing may be forwarded")
            }
        }
    }

    /// `maxBodyBytes` set to 100: a 100-byte body is forwarded, 101 bytes are refused with 413,
    /// by declared length and chunked alike; nothing over the limit reaches the upstream.
    @Test func aNonDefaultMaxBodyBytesIsTheExactLimitForLengthAndChunkedBodies() async throws {
        let padded = { (size: Int) in String(repeating: " ", count: size - good.utf8.count) + good }
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream), configure: { $0.limits.maxBodyBytes = 100 }) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                try await client.send(post(padded(100)))
                #expect(try await client.readResponse().status == 200)
                try await client.send(chunkedPost([60, 40]))
                #expect(try await client.readResponse().status == 200)
                #expect(fake.requests.map(\.body.count) == [100, 100])

                for tooLarge in [post(padded(101)), chunkedPost([60, 41]), chunkedPost([101])] {
                    let refused = try LoopbackClient(sidecar.address)
                    try await refused.send(tooLarge)
                    let response = try await refused.readResponse()
                    #expect(response.status == 413)
                    #expect(response.header("X-Sidecar-Error") == "body_too_large")
                }
                #expect(fake.requests.count == 2, "nothing over the limit is forwarded")
            }
        }
    }

    @Test func requestThatNeverCompletesGets408() async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream), configure: { $0.headerTimeout = 0.3 }) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                try await client.send(
                    "POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{\"id\":")
                let response = try await client.readResponse()
                #expect(response.status == 408)
                #expect(response.header("X-Sidecar-Error") == "request_timeout")
                #expect(fake.requests.isEmpty)
            }
        }
    }

    @Test func validationErrorsCarryTheAssignedRequestID() async throws {
        try await withFakeFreedomPay { upstream, _ in
            try await withSidecar(upstream: upstreamURL(upstream)) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                try await client.send(
                    post(#"{"id":"\#(paymentID)","amount":0}"#, headers: "Content-Type: application/json\r\nIdempotency-Key: k-1\r\n"))
                let response = try await client.readResponse()
                #expect(response.status == 400)
                // Computed by Python, as RequestIDPolicyTests.idempotencyKeyKnownAnswer.
                #expect(response.header("X-Request-Id") == "92320b34-8684-8114-9247-7e3e92ddb481")
            }
        }
    }
}
