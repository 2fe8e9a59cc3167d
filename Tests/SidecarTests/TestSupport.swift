import Crypto
import FreedomPayJWS
import Foundation
import HTTP1
import HTTPServer
import LoopbackTestSupport
import Logging
import SocketLoop
import Synchronization
@testable import Sidecar

let testSecret = "sidecar-test-secret-do-not-leak"
let testMerchant = "123456"
let paymentID = "01978d4f-1a2b-7c3d-8e4f-0123456789ab"

/// Collects log lines written by a `JSONLogHandler`.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test") { [self] label in
            JSONLogHandler(label: label, level: .trace) { bytes in
                let text = String(decoding: bytes, as: UTF8.self)
                self.lines.withLock { $0.append(contentsOf: text.split(separator: "\n").map(String.init)) }
            }
        }
    }

    /// Every line parsed as a JSON object; a line that is not one fails the test.
    func objects() throws -> [[String: Any]] {
        try all.map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw LoopbackClientError("log line is not a JSON object: \(line)")
            }
            return object
        }
    }
}

/// What the fake Freedom Pay received.
struct ReceivedUpstreamRequest: Sendable {
    var method: String
    var target: String
    var headers: [HTTPHeader]
    var body: [UInt8]
    var signatureValid: Bool
    func header(_ name: String) -> String? { headers.first(named: name) }
}

/// A loopback Freedom Pay: verifies the JWS on its own (plain HMAC-SHA256 over the
/// documented signing input), records every request, and answers as told.
final class FakeFreedomPay: HTTPResponder {
    let received = Mutex<[ReceivedUpstreamRequest]>([])
    let reply = Mutex<HTTPResponse?>(nil)
    let holdRequests = Mutex(false)
    let arrived = Latch()
    let release = Latch()

    var requests: [ReceivedUpstreamRequest] { received.withLock { $0 } }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        let valid = FakeFreedomPay.verify(request)
        received.withLock { $0.append(ReceivedUpstreamRequest(method: request.head.method, target: request.head.target, headers: request.head.headers, body: request.body, signatureValid: valid)) }
        arrived.open()
        if holdRequests.withLock({ $0 }) { await release.wait() }
        if let reply = reply.withLock({ $0 }) { return reply }
        guard valid else { return HTTPResponse(status: 401, body: Array(#"{"code":"invalid_signature"}"#.utf8)) }
        let id = request.head.headers.first(named: "X-Request-Id") ?? ""
        return HTTPResponse(status: 200, headers: [
            HTTPHeader(name: "x-request-id", value: id),
            HTTPHeader(name: "x-request-status", value: "success"),
            HTTPHeader(name: "x-datetime", value: "2025-06-20T07:13:31Z"),
            HTTPHeader(name: "Content-Type", value: "application/json"),
        ], body: Array(#"{"id":"\#(paymentID)","amount":100,"refund_payment":{"id":"01978d53-0000-7000-8000-000000000000","status":"process","amount":-100}}"#.utf8))
    }

    func response(for failure: HTTPServerFailure) -> HTTPResponse { HTTPResponse(status: 400) }

    /// Independent of FreedomPayJWS: rebuilds the documented header and HMAC by hand.
    static func verify(_ request: HTTPRequest) -> Bool {
        guard let value = request.head.headers.first(named: "X-JWS-Signature") else { return false }
        let header = #"{"uri":"\#(request.head.path)","auth_id":"\#(testMerchant)","method":"\#(request.head.method)","params":"","alg":"HS256"}"#
        let encodedHeader = Data(header.utf8).base64URL
        let input = encodedHeader + "." + Data(request.body).base64URL
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(testSecret.utf8)))
        return value == encodedHeader + ".." + Data(mac).base64URL
    }
}

extension Data {
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// A fake Freedom Pay on an ephemeral loopback port.
func startFakeFreedomPay() throws -> (HTTPServer, FakeFreedomPay) {
    let fake = FakeFreedomPay()
    let server = HTTPServer(listener: try Listener(address: .tcp(host: "127.0.0.1", port: 0)), responder: fake)
    server.start()
    return (server, fake)
}

func upstreamURL(_ server: HTTPServer) -> String { "http://\(server.address)" }

/// A sidecar on ephemeral loopback ports with an inline test key.
func startSidecar(upstream: String, logs: LogCapture = LogCapture(), _ adjust: (inout SidecarConfiguration) -> Void = { _ in }) throws -> Sidecar {
    var configuration = SidecarConfiguration()
    configuration.listen = "127.0.0.1:0"
    configuration.adminListen = "127.0.0.1:0"
    configuration.upstream = upstream == "sandbox" ? .sandbox : .url(upstream)
    configuration.authID = testMerchant
    configuration.key = .inline(Array(testSecret.utf8))
    adjust(&configuration)
    let sidecar = try buildSidecar(configuration: configuration, logger: logs.logger)
    sidecar.start()
    return sidecar
}

func refundRequest(body: String = #"{"id":"\#(paymentID)","amount":100}"#, extraHeaders: String = "") -> String {
    "POST /v5/g2g/edit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\(extraHeaders)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
}
