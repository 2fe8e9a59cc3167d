/// The status line and header section of a parsed response.
public struct HTTPResponseHead: Sendable, Equatable {
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var versionMinor: Int
    public var status: Int
    /// The upstream's reason phrase, kept for pass-through; may be empty.
    public var reason: String
    /// Fields in wire order, repeats kept, name case preserved.
    public var headers: [HTTPHeader]

    public init(versionMinor: Int = 1, status: Int, reason: String, headers: [HTTPHeader] = []) {
        self.versionMinor = versionMinor
        self.status = status
        self.reason = reason
        self.headers = headers
    }
}

/// A complete response: head and the whole (de-chunked) body.
public struct HTTPParsedResponse: Sendable, Equatable {
    public var head: HTTPResponseHead
    public var body: [UInt8]

    public init(head: HTTPResponseHead, body: [UInt8] = []) {
        self.head = head
        self.body = body
    }
}

/// What the response parser produced from the bytes so far.
public enum HTTPResponseParserEvent: Sendable, Equatable {
    /// An informational response (1xx other than 101); the final response follows.
    case interim(HTTPResponseHead)
    /// The final response, body included.
    case complete(HTTPParsedResponse)
}
