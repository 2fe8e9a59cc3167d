import Crypto
import Foundation
import HTTP1
import HTTPServer
import SocketLoop
import Synchronization

/// What the fake Freedom Pay received.
public struct ReceivedUpstreamRequest: Sendable {
    public var method: String
    public var target: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    public var signatureValid: Bool
    public func header(_ name: String) -> String? { headers.first(named: name) }
}

/// A loopback Freedom Pay: verifies the JWS on its own (plain HMAC-SHA256 over the
/// documented signing input), records every request, and answers as told.
public final class FakeFreedomPay: AsyncHTTPResponder {
    public let secret: String
    public let merchantID: String
    let received = Mutex<[ReceivedUpstreamRequest]>([])
    public init(secret: String, merchantID: String) {
        self.secret = secret
        self.merchantID = merchantID
    }

    public let reply = Mutex<HTTPResponse?>(nil)
    public let holdRequests = Mutex(false)
    public let arrived = Latch()
    public let release = Latch()

    public var requests: [ReceivedUpstreamRequest] { received.withLock { $0 } }

    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        let valid = verify(request)
        received.withLock {
            $0.append(
                ReceivedUpstreamRequest(
                    method: request.head.method, target: request.head.target, headers: request.head.headers, body: request.body,
                    signatureValid: valid))
        }
        arrived.open()
        if holdRequests.withLock({ $0 }) { await release.wait() }
        if let reply = reply.withLock({ $0 }) { return reply }
        guard valid else { return HTTPResponse(status: 401, body: Array(#"{"code":"invalid_signature"}"#.utf8)) }
        let id = request.head.headers.first(named: "X-Request-Id") ?? ""
        return HTTPResponse(
            status: 200,
            headers: [
                HTTPHeader(name: "x-request-id", value: id),
                HTTPHeader(name: "x-request-status", value: "success"),
                HTTPHeader(name: "x-datetime", value: "2025-06-20T07:13:31Z"),
                HTTPHeader(name: "Content-Type", value: "application/json"),
            ],
            body: Array(Self.refundAnswer.utf8))
    }

    /// The body of every signed request's answer, byte for byte.
    public static let refundAnswer =
        #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100,"refund_payment":{"id":"01978d53-0000-7000-8000-000000000000","status":"process","amount":-100}}"#

    public func response(for failure: HTTPServerFailure) -> HTTPResponse { HTTPResponse(status: 400) }

    /// Independent of FreedomPayJWS: rebuilds the documented header and HMAC by hand.
    public func verify(_ request: HTTPRequest) -> Bool {
        guard let value = request.head.headers.first(named: "X-JWS-Signature") else { return false }
        let header =
            #"{"uri":"\#(request.head.path)","auth_id":"\#(merchantID)","method":"\#(request.head.method)","params":"","alg":"HS256"}"#
        let encodedHeader = Data(header.utf8).base64URL
        let input = encodedHeader + "." + Data(request.body).base64URL
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return value == encodedHeader + ".." + Data(mac).base64URL
    }
}

extension Data {
    public var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "=", with: "")
    }
}

/// Runs `body` with a fake Freedom Pay on an ephemeral loopback port, then stops it
/// (closing every connection) whether `body` returns or throws.
public func withFakeFreedomPay<Result>(
    secret: String, merchantID: String, isolation: isolated (any Actor)? = #isolation,
    _ body: (HTTPServer, FakeFreedomPay) async throws -> Result
) async throws -> Result {
    let fake = FakeFreedomPay(secret: secret, merchantID: merchantID)
    let server = HTTPServer(listener: try Listener(address: .tcp(host: "127.0.0.1", port: 0)), responder: fake)
    return try await withStartedServer(server) { try await body($0, fake) }
}
