import HTTP1
import HTTPServer
import JSONCore

/// An answer the sidecar gives itself instead of forwarding: status, stable code, message.
/// This is the one place where failures become HTTP responses.
public struct SidecarError: Error, Sendable, Equatable {
    public var status: Int
    public var code: String
    public var message: String
    /// Extra response headers, such as `Allow` on a 405.
    public var headers: [HTTPHeader] = []

    public init(status: Int, code: String, message: String, headers: [HTTPHeader] = []) {
        self.status = status
        self.code = code
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
        SidecarError(status: 400, code: "invalid_request", message: message)
    }
    static func invalidBody(_ message: String) -> SidecarError {
        SidecarError(status: 400, code: "invalid_body", message: message)
    }
    static func invalidRequestID(_ message: String) -> SidecarError {
        SidecarError(status: 400, code: "invalid_request_id", message: message)
    }
    static func actionNotAllowed(_ action: String, path: String) -> SidecarError {
        SidecarError(status: 403, code: "action_not_allowed", message: "action '\(action)' is not allowed on \(path)")
    }
    static let unknownRoute = SidecarError(status: 404, code: "unknown_route", message: "no route for this path")
    static func methodNotAllowed(_ allowed: String) -> SidecarError {
        SidecarError(
            status: 405, code: "method_not_allowed", message: "use \(allowed)", headers: [HTTPHeader(name: "Allow", value: allowed)])
    }
    static let lengthRequired = SidecarError(
        status: 411, code: "length_required", message: "send Content-Length or chunked Transfer-Encoding")
    static let unsupportedMediaType = SidecarError(
        status: 415, code: "unsupported_media_type", message: "Content-Type must be application/json")
    static let notReady = SidecarError(status: 503, code: "not_ready", message: "the sidecar has no usable signing key")
    static let overloaded = SidecarError(status: 503, code: "overloaded", message: "too many upstream requests in progress")
    static func upstreamUnreachable(_ detail: String) -> SidecarError {
        SidecarError(status: 502, code: "upstream_unreachable", message: "upstream unreachable: \(detail)")
    }
    static func upstreamBadResponse(_ detail: String) -> SidecarError {
        SidecarError(status: 502, code: "upstream_bad_response", message: "upstream response broken: \(detail)")
    }
    /// The TLS handshake with the upstream failed; `code` names the cause.
    static func upstreamTLS(code: String, message: String) -> SidecarError {
        SidecarError(status: 502, code: code, message: "upstream TLS failed: \(message)")
    }
    static func upstreamTimeout(_ detail: String) -> SidecarError {
        SidecarError(status: 504, code: "upstream_timeout", message: "upstream timed out: \(detail)")
    }

    /// Requests the server could not read at all.
    static func from(_ failure: HTTPServerFailure) -> SidecarError {
        switch failure {
        case .requestTimedOut:
            SidecarError(status: 408, code: "request_timeout", message: "the request was not received in time")
        case .malformed(let error):
            SidecarError(status: error.status, code: error.code, message: error.message)
        case .tooManyConnections:
            SidecarError(status: 503, code: "overloaded", message: "too many open connections")
        }
    }
}
