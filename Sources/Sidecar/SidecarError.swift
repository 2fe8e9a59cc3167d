import HTTP1
import HTTPServer
import JSONCore

/// An answer the sidecar gives itself instead of forwarding: status, stable code, message.
/// This is the one place where failures become HTTP responses.
public struct SidecarError: Error, Sendable, Equatable {
    public var kind: SidecarErrorCode
    public var message: String
    /// Extra response headers, such as `Allow` on a 405.
    public var headers: [HTTPHeader] = []

    public var status: Int { kind.status }
    /// The `X-Sidecar-Error` value.
    public var code: String { kind.rawValue }

    public init(_ kind: SidecarErrorCode, message: String, headers: [HTTPHeader] = []) {
        self.kind = kind
        self.message = message
        self.headers = headers
    }

    /// `{"error":{"code":…,"message":…}}` with `X-Sidecar-Error`, and `X-Request-Id` once assigned.
    public func response(requestID: String? = nil) -> HTTPResponse {
        var headers = [
            HTTPHeader(name: "Content-Type", value: "application/json"),
            HTTPHeader(name: "X-Sidecar-Error", value: code),
        ]
        if let requestID { headers.append(HTTPHeader(name: "X-Request-Id", value: requestID)) }
        headers += self.headers
        let body = JSONValue.object(["error": .object(["code": .string(code), "message": .string(message)])])
        return HTTPResponse(status: status, headers: headers, body: JSONWriter.serialize(body))
    }
}

extension SidecarError {
    static func invalidRequest(_ message: String) -> SidecarError {
        SidecarError(.invalidRequest, message: message)
    }
    static func invalidBody(_ message: String) -> SidecarError {
        SidecarError(.invalidBody, message: message)
    }
    static func invalidRequestID(_ message: String) -> SidecarError {
        SidecarError(.invalidRequestID, message: message)
    }
    /// RFC 6585 §3: the action moves money (or is not known to be a read) and carries neither
    /// `Idempotency-Key` nor `X-Request-Id`, so a retry could not be told from a new operation.
    static func idempotencyKeyRequired(_ action: String) -> SidecarError {
        SidecarError(
            .idempotencyKeyRequired,
            message:
                "action '\(action)' needs Idempotency-Key (or X-Request-Id): the same key on every retry of one operation, so that it happens once"
        )
    }
    /// The request id already names another operation (other fields, action or path) in this process.
    static let idempotencyKeyReused = SidecarError(
        .idempotencyKeyReused,
        message: "this Idempotency-Key (or X-Request-Id) was already used for a different operation; use a new key for a new operation")
    static func actionNotAllowed(_ action: String, path: String) -> SidecarError {
        SidecarError(.actionNotAllowed, message: "action '\(action)' is not allowed on \(path)")
    }
    static let unknownRoute = SidecarError(.unknownRoute, message: "no route for this path")
    static func methodNotAllowed(_ allowed: String) -> SidecarError {
        SidecarError(.methodNotAllowed, message: "use \(allowed)", headers: [HTTPHeader(name: "Allow", value: allowed)])
    }
    static let lengthRequired = SidecarError(.lengthRequired, message: "send Content-Length or chunked Transfer-Encoding")
    static let unsupportedMediaType = SidecarError(.unsupportedMediaType, message: "Content-Type must be application/json")
    static let notReady = SidecarError(.notReady, message: "the sidecar has no usable signing key")
    static let overloaded = SidecarError(.overloaded, message: "too many upstream requests in progress")
    static func upstreamUnreachable(_ detail: String) -> SidecarError {
        SidecarError(.upstreamUnreachable, message: "upstream unreachable: \(detail)")
    }
    static func upstreamBadResponse(_ detail: String) -> SidecarError {
        SidecarError(.upstreamBadResponse, message: "upstream response broken: \(detail)")
    }
    /// The TLS handshake with the upstream failed; `code` names the cause.
    static func upstreamTLS(code: String, message: String) -> SidecarError {
        SidecarError(SidecarErrorCode(rawValue: code) ?? .upstreamTLSFailed, message: "upstream TLS failed: \(message)")
    }
    /// The egress proxy could not be reached or refused the tunnel; `code` names which.
    static func upstreamProxy(code: String, message: String) -> SidecarError {
        SidecarError(SidecarErrorCode(rawValue: code) ?? .upstreamProxyUnreachable, message: message)
    }
    static func upstreamTimeout(_ detail: String) -> SidecarError {
        SidecarError(.upstreamTimeout, message: "upstream timed out: \(detail)")
    }

    /// Requests the server could not read at all.
    static func from(_ failure: HTTPServerFailure) -> SidecarError {
        switch failure {
        case .requestTimedOut:
            SidecarError(.requestTimeout, message: "the request was not received in time")
        case .malformed(let error):
            SidecarError(SidecarErrorCode(rawValue: error.code) ?? .malformedRequest, message: error.message)
        case .tooManyConnections:
            SidecarError(.overloaded, message: "too many open connections")
        case .overloaded:
            SidecarError(.overloaded, message: "too many request bodies in memory (maxBufferedBodyBytes)")
        }
    }
}
