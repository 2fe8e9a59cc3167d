import HTTP1
import SocketLoop

/// A request to send upstream. `url` is absolute (http or https).
///
/// The client controls message framing: caller-supplied `Content-Length`,
/// `Transfer-Encoding` and `Expect` fields are dropped, the length is taken from `body`.
public struct UpstreamRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    /// The `X-Request-Id` this request carries, when its answer must echo it in `x-request-id`:
    /// an answer with another id fails as `.brokenResponse` and closes its connection; one
    /// without is passed on (`UpstreamResponse.requestIDEcho == .missing`) and its connection
    /// is not reused.
    public var requestID: String?
    /// For answers that cannot be told apart (the Merchant API echoes no request id): the
    /// request gets a fresh connection of its own, closed after the answer, and is never
    /// sent again once any of its bytes was written (only a failed connect is retried).
    public var singleUse: Bool

    public init(
        method: String, url: String, headers: [HTTPHeader] = [], body: [UInt8] = [], requestID: String? = nil,
        singleUse: Bool = false
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.requestID = requestID
        self.singleUse = singleUse
    }
}

/// The final (non-1xx) response, headers in the order received.
public struct UpstreamResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    /// How many attempts were made, 1 unless a retry before any response byte happened.
    public var attempts: Int
    /// The upstream's reason phrase, passed on to the client.
    public var reason: String?
    /// How the answer echoed `UpstreamRequest.requestID`; nil when the request set none.
    /// Never `.differs`: such an answer is a failure, not a response.
    public var requestIDEcho: RequestIDEcho?

    public init(
        status: Int, headers: [HTTPHeader] = [], body: [UInt8] = [], attempts: Int = 1, reason: String? = nil,
        requestIDEcho: RequestIDEcho? = nil
    ) {
        self.reason = reason
        self.requestIDEcho = requestIDEcho
        self.status = status
        self.headers = headers
        self.body = body
        self.attempts = attempts
    }
}

public enum UpstreamError: Error, Sendable, Equatable {
    /// Connect refused or reset, DNS or TLS failure, before any response byte. Maps to 502.
    case unreachable(String)
    /// Connect or total timeout. Maps to 504.
    case timedOut(String)
    /// Truncated body, invalid framing, response too large, or an error after
    /// some response bytes arrived. Maps to 502.
    case brokenResponse(String)
    /// The pending queue is full. Maps to 503.
    case overloaded
    /// The TLS handshake failed: `code` is the `X-Sidecar-Error` code naming the cause
    /// (untrusted certificate, host name, expiry, protocol version, pin). Maps to 502.
    case tlsFailed(code: String, message: String)
    /// The egress proxy could not be reached or refused the tunnel: `code` is
    /// `upstream_proxy_unreachable` or `upstream_proxy_refused`. Maps to 502.
    case proxyFailed(code: String, message: String)

    /// Short label for metrics.
    public var kind: String {
        switch self {
        case .unreachable: "unreachable"
        case .timedOut: "timeout"
        case .brokenResponse: "broken"
        case .overloaded: "overloaded"
        case .tlsFailed: "tls"
        case .proxyFailed: "proxy"
        }
    }
}

/// The outcome of one exchange and how many attempts it took (failures included).
public typealias UpstreamCompletion = (Result<UpstreamResponse, UpstreamError>, _ attempts: Int) -> Void

/// Sends requests upstream from an event loop.
public protocol UpstreamClient: Sendable {
    /// Call on `loop`; `completion` runs on `loop`, exactly once, possibly before `send` returns.
    func send(_ request: UpstreamRequest, on loop: EventLoop, completion: @escaping UpstreamCompletion)
}

extension UpstreamClient {
    /// For tests and tools off the loops: sends from `loop` and waits for the answer.
    public func send(_ request: UpstreamRequest, on loop: EventLoop = EventLoopGroup.shared.next()) async throws(UpstreamError)
        -> UpstreamResponse
    {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<UpstreamResponse, UpstreamError>, Never>) in
            loop.execute {
                self.send(request, on: loop) { result, _ in continuation.resume(returning: result) }
            }
        }
        return try result.get()
    }
}
