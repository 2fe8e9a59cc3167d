/// Why a request could not be parsed. Every case ends the connection.
public enum HTTPParseError: Error, Sendable, Equatable {
    case invalidRequestLine
    case invalidMethod
    /// A well-formed method this server does not implement (501, RFC 9110 §9.1).
    case methodNotImplemented
    case invalidTarget
    case unsupportedVersion
    case invalidHeaderName
    case invalidHeaderValue
    case obsoleteLineFolding
    case bareLineFeedOrCarriageReturn
    case invalidContentLength
    case duplicateContentLength
    case contentLengthWithTransferEncoding
    case unsupportedTransferEncoding
    case invalidChunk
    case headerTooLarge
    case tooManyHeaders
    case bodyTooLarge
    /// Bytes after a request that ends the connection (RFC 9112 §9.6).
    case dataAfterConnectionClose

    /// The status a server answers with (RFC 9110 §15).
    public var status: Int {
        switch self {
        case .headerTooLarge, .tooManyHeaders: 431
        case .bodyTooLarge: 413
        case .unsupportedVersion: 505
        case .unsupportedTransferEncoding, .methodNotImplemented: 501
        default: 400
        }
    }

    /// A stable machine-readable code.
    public var code: String {
        switch self {
        case .headerTooLarge, .tooManyHeaders: "headers_too_large"
        case .bodyTooLarge: "body_too_large"
        case .unsupportedVersion: "http_version_not_supported"
        case .unsupportedTransferEncoding: "unsupported_transfer_encoding"
        case .methodNotImplemented: "method_not_implemented"
        default: "malformed_request"
        }
    }

    /// A short human-readable reason.
    public var message: String {
        switch self {
        case .invalidRequestLine: "malformed request line"
        case .invalidMethod: "invalid method token"
        case .methodNotImplemented: "request method not implemented"
        case .invalidTarget: "invalid request target"
        case .unsupportedVersion: "only HTTP/1.0 and HTTP/1.1 are supported"
        case .invalidHeaderName: "invalid header field name"
        case .invalidHeaderValue: "invalid header field value"
        case .obsoleteLineFolding: "obsolete line folding is not allowed"
        case .bareLineFeedOrCarriageReturn: "lines must end with CRLF"
        case .invalidContentLength: "invalid Content-Length"
        case .duplicateContentLength: "more than one Content-Length"
        case .contentLengthWithTransferEncoding: "Content-Length together with Transfer-Encoding"
        case .unsupportedTransferEncoding: "only Transfer-Encoding: chunked is supported"
        case .invalidChunk: "malformed chunked body"
        case .headerTooLarge: "request header section too large"
        case .tooManyHeaders: "too many header fields"
        case .bodyTooLarge: "request body too large"
        case .dataAfterConnectionClose: "data after a request that closes the connection"
        }
    }
}
