/// Every `X-Sidecar-Error` code, with its status: the one list the responses, the metrics and
/// the README's error table are checked against.
public enum SidecarErrorCode: String, Sendable, CaseIterable {
    case malformedRequest = "malformed_request"
    case invalidRequest = "invalid_request"
    case invalidBody = "invalid_body"
    case invalidRequestID = "invalid_request_id"
    case idempotencyKeyRequired = "idempotency_key_required"
    case idempotencyKeyReused = "idempotency_key_reused"
    case actionNotAllowed = "action_not_allowed"
    case unknownRoute = "unknown_route"
    case methodNotAllowed = "method_not_allowed"
    case requestTimeout = "request_timeout"
    case lengthRequired = "length_required"
    case bodyTooLarge = "body_too_large"
    case unsupportedMediaType = "unsupported_media_type"
    case headersTooLarge = "headers_too_large"
    case unsupportedTransferEncoding = "unsupported_transfer_encoding"
    case methodNotImplemented = "method_not_implemented"
    case upstreamUnreachable = "upstream_unreachable"
    case upstreamBadResponse = "upstream_bad_response"
    /// A Merchant API answer whose `pg_sig` does not verify, with `rejectUnverifiedAnswers`.
    case upstreamBadSignature = "upstream_bad_signature"
    case upstreamTLSUntrusted = "upstream_tls_untrusted"
    case upstreamTLSHostname = "upstream_tls_hostname"
    case upstreamTLSExpired = "upstream_tls_expired"
    case upstreamTLSVersion = "upstream_tls_version"
    case upstreamTLSPinMismatch = "upstream_tls_pin_mismatch"
    case upstreamTLSFailed = "upstream_tls_failed"
    case upstreamProxyUnreachable = "upstream_proxy_unreachable"
    case upstreamProxyRefused = "upstream_proxy_refused"
    case overloaded
    case notReady = "not_ready"
    case upstreamTimeout = "upstream_timeout"
    case httpVersionNotSupported = "http_version_not_supported"
    /// Callback listener: a missing or wrong `pg_sig`, or another merchant's callback.
    case callbackUnverified = "callback_unverified"
    /// Callback listener: the app could not be reached, answered 5xx, or not as documented.
    case appUnreachable = "app_unreachable"
    case appBadAnswer = "app_bad_answer"
    case appTimeout = "app_timeout"

    public var status: Int {
        switch self {
        case .malformedRequest, .invalidRequest, .invalidBody, .invalidRequestID: 400
        case .actionNotAllowed, .callbackUnverified: 403
        case .unknownRoute: 404
        case .methodNotAllowed: 405
        case .idempotencyKeyReused: 422
        case .idempotencyKeyRequired: 428
        case .requestTimeout: 408
        case .lengthRequired: 411
        case .bodyTooLarge: 413
        case .unsupportedMediaType: 415
        case .headersTooLarge: 431
        case .unsupportedTransferEncoding, .methodNotImplemented: 501
        case .upstreamUnreachable, .upstreamBadResponse, .upstreamBadSignature, .upstreamTLSUntrusted, .upstreamTLSHostname,
            .upstreamTLSExpired,
            .upstreamTLSVersion, .upstreamTLSPinMismatch, .upstreamTLSFailed, .upstreamProxyUnreachable, .upstreamProxyRefused,
            .appUnreachable, .appBadAnswer:
            502
        case .overloaded, .notReady: 503
        case .upstreamTimeout, .appTimeout: 504
        case .httpVersionNotSupported: 505
        }
    }
}
