/// Why an upstream response could not be read. Every case ends the connection.
public enum HTTPResponseParseError: Error, Sendable, Equatable {
    /// The peer closed before sending any byte.
    case noResponse
    /// The peer closed in the middle of a response.
    case truncated
    case invalidStatusLine
    case unsupportedVersion
    /// A status code outside 100–599.
    case invalidStatus
    /// `101 Switching Protocols`, which this client never asks for.
    case unexpectedSwitchingProtocols
    case invalidHeaderName
    case invalidHeaderValue
    case obsoleteLineFolding
    case bareLineFeedOrCarriageReturn
    case invalidContentLength
    /// Several Content-Length values that differ.
    case conflictingContentLength
    case contentLengthWithTransferEncoding
    /// A transfer coding other than exactly `chunked`.
    case unsupportedTransferEncoding
    case transferEncodingInHTTP10
    case invalidChunkSize
    case invalidChunkExtension
    /// Chunk data not followed by CRLF.
    case missingChunkDataCRLF
    case headerTooLarge
    case tooManyHeaders
    case bodyTooLarge
    case tooManyInterimResponses

    /// A short, operator-readable reason; never contains bytes of the message.
    public var message: String {
        switch self {
        case .noResponse: "upstream closed the connection without a response"
        case .truncated: "upstream closed the connection in the middle of a response"
        case .invalidStatusLine: "malformed status line"
        case .unsupportedVersion: "only HTTP/1.0 and HTTP/1.1 responses are supported"
        case .invalidStatus: "status code outside 100-599"
        case .unexpectedSwitchingProtocols: "unexpected 101 Switching Protocols"
        case .invalidHeaderName: "invalid header field name"
        case .invalidHeaderValue: "invalid header field value"
        case .obsoleteLineFolding: "obsolete line folding is not allowed"
        case .bareLineFeedOrCarriageReturn: "lines must end with CRLF"
        case .invalidContentLength: "invalid Content-Length"
        case .conflictingContentLength: "conflicting Content-Length values"
        case .contentLengthWithTransferEncoding: "Content-Length together with Transfer-Encoding"
        case .unsupportedTransferEncoding: "only Transfer-Encoding: chunked is supported"
        case .transferEncodingInHTTP10: "Transfer-Encoding in an HTTP/1.0 response"
        case .invalidChunkSize: "malformed chunk size"
        case .invalidChunkExtension: "malformed chunk extension"
        case .missingChunkDataCRLF: "chunk data not followed by CRLF"
        case .headerTooLarge: "response header section too large"
        case .tooManyHeaders: "too many response header fields"
        case .tooManyInterimResponses: "too many informational (1xx) responses before the answer"
        case .bodyTooLarge: "response body too large"
        }
    }
}
