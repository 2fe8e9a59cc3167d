import HTTP1

/// Why the server answered without asking the responder for a response to a request.
public enum HTTPServerFailure: Sendable, Equatable {
    case malformed(HTTPParseError)
    case requestTimedOut
    /// The server is at its connection limit; the connection is answered and closed.
    case tooManyConnections
}

/// The application behind an `HTTPServer`.
public protocol HTTPResponder: Sendable {
    /// The response to a complete, well-framed request.
    func respond(to request: HTTPRequest) async -> HTTPResponse
    /// The response the server sends (and then closes) when a request cannot be read.
    func response(for failure: HTTPServerFailure) -> HTTPResponse
}
