import Foundation
import HTTP1
import Synchronization

/// What the fake Freedom Pay received.
public struct ReceivedUpstreamRequest: Sendable {
    public var method: String
    public var target: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    public var signatureValid: Bool
    public func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
}

/// A loopback Freedom Pay's behaviour: verifies the JWS with `IndependentJWS` alone (no
/// FreedomPayJWS code), records every request, and answers as told. `FakeFreedomPayServer`
/// reads the requests off the socket with `MinimalRequestReader` (no HTTP1 parser), so a
/// framing or signing bug in the sidecar cannot be cancelled out by the same bug here.
public final class FakeFreedomPay: Sendable {
    public let secret: String
    public let merchantID: String
    let received = Mutex<[ReceivedUpstreamRequest]>([])
    public init(secret: String, merchantID: String) {
        self.secret = secret
        self.merchantID = merchantID
    }

    /// Replaces the answer to every request, signed or not.
    public let reply = Mutex<HTTPResponse?>(nil)
    /// While true, each request waits for `release` before it is answered.
    public let holdRequests = Mutex(false)
    public let arrived = Latch()
    public let release = Latch()

    public var requests: [ReceivedUpstreamRequest] { received.withLock { $0 } }

    /// Records `request` and returns its answer: `reply` if set, else 401 for a signature
    /// that does not verify, else a refund's success answer echoing `X-Request-Id`. Called on
    /// a connection's thread, which it blocks while requests are held.
    func answer(_ request: MinimalRequestReader.Request) -> HTTPResponse {
        let valid = verify(method: request.method, target: request.target, headers: request.headers, body: request.body)
        let record = ReceivedUpstreamRequest(
            method: request.method, target: request.target, headers: request.headers, body: request.body, signatureValid: valid)
        received.withLock { $0.append(record) }
        arrived.open()
        if holdRequests.withLock({ $0 }) {
            let released = DispatchSemaphore(value: 0)
            Task { [release] in
                await release.wait()
                released.signal()
            }
            released.wait()
        }
        if let reply = reply.withLock({ $0 }) { return reply }
        guard valid else { return HTTPResponse(status: 401, body: Array(#"{"code":"invalid_signature"}"#.utf8)) }
        return HTTPResponse(
            status: 200,
            headers: [
                HTTPHeader(name: "x-request-id", value: record.header("X-Request-Id") ?? ""),
                HTTPHeader(name: "x-request-status", value: "success"),
                HTTPHeader(name: "x-datetime", value: "2025-06-20T07:13:31Z"),
                HTTPHeader(name: "Content-Type", value: "application/json"),
            ],
            body: Array(Self.refundAnswer.utf8))
    }

    /// The body of every signed request's answer, byte for byte.
    public static let refundAnswer =
        #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100,"refund_payment":{"id":"01978d53-0000-7000-8000-000000000000","status":"process","amount":-100}}"#

    /// Whether the request carries exactly one `X-JWS-Signature` that `IndependentJWS`
    /// verifies with `secret` (HS256, HS384 or HS512, as its header says) over `body`, and
    /// whose header is the Gateway or Invoice layout for this merchant, method and path.
    public func verify(method: String, target: String, headers: [HTTPHeader], body: [UInt8]) -> Bool {
        let signatures = headers.filter { $0.name.lowercased() == "x-jws-signature" }
        guard signatures.count == 1, let header = IndependentJWS.verifiedHeader(signatures[0].value, body: body, secret: secret)
        else { return false }
        let path = String(target.prefix { $0 != "?" })
        return IndependentJWS.isFreedomPayHeader(header, path: path, merchantID: merchantID, method: method)
    }
}

/// Runs `body` with a fake Freedom Pay on an ephemeral loopback port, then stops it
/// (closing every connection) whether `body` returns or throws.
public func withFakeFreedomPay<Result>(
    secret: String, merchantID: String, isolation: isolated (any Actor)? = #isolation,
    _ body: (FakeFreedomPayServer, FakeFreedomPay) async throws -> Result
) async throws -> Result {
    let fake = FakeFreedomPay(secret: secret, merchantID: merchantID)
    let server = try FakeFreedomPayServer(fake)
    let result: Result
    do {
        result = try await body(server, fake)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
    let left = server.openConnectionCount
    guard left == 0 else { throw LoopbackClientError("\(left) connection(s) to \(server.address) still open after stop()") }
    return result
}
