import HTTP1
import SocketLoop

/// Why the server answered without asking the responder for a response to a request.
public enum HTTPServerFailure: Sendable, Equatable {
    case malformed(HTTPParseError)
    case requestTimedOut
    /// The server is at its connection limit and no connection could be closed to make room;
    /// the connection is answered and closed.
    case tooManyConnections
    /// The request's body does not fit in the server's `BodyBudget` (`maxBufferedBodyBytes`).
    case overloaded
}

/// The application behind an `HTTPServer`.
public protocol HTTPResponder: Sendable {
    /// Called on the connection's event loop with a complete, well-framed request. Answer
    /// through `writer` exactly once, from the loop (cheapest) or from any other thread.
    func respond(to request: HTTPRequest, writer: HTTPResponseWriter)
    /// The response the server sends (and then closes) when a request cannot be read.
    func response(for failure: HTTPServerFailure) -> HTTPResponse
    /// Called on the loop with the head of a request that asks for `100 Continue` (RFC 9110
    /// §10.1.1), before it is sent: a response here is a final answer instead, after which
    /// the connection closes without reading the body. Nil (the default) sends `100 Continue`.
    func responseBeforeContinue(to head: HTTPRequestHead, loop: EventLoop) -> HTTPResponse?
}

extension HTTPResponder {
    public func responseBeforeContinue(to head: HTTPRequestHead, loop: EventLoop) -> HTTPResponse? { nil }
}

/// A responder that answers from Swift concurrency (tests, the admin endpoints): each
/// request is a `Task`, and the answer hops back to the connection's loop.
public protocol AsyncHTTPResponder: HTTPResponder {
    func respond(to request: HTTPRequest) async -> HTTPResponse
}

extension AsyncHTTPResponder {
    public func respond(to request: HTTPRequest, writer: HTTPResponseWriter) {
        Task { writer.send(await respond(to: request)) }
    }
}

/// Where the answer to one request goes: its connection, on its loop.
public struct HTTPResponseWriter: @unchecked Sendable {
    // The driver is only touched on its loop: `send` hops there when called elsewhere.
    let driver: HTTPConnectionDriver
    public var loop: EventLoop { driver.connection.loop }

    public func send(_ response: HTTPResponse) {
        if loop.inEventLoop {
            driver.send(response)
        } else {
            let driver = self.driver
            loop.execute { driver.send(response) }
        }
    }
}
