/// The request line and header section of a parsed request.
public struct HTTPRequestHead: Sendable, Equatable {
    public var method: String
    /// The request-target exactly as sent (RFC 9112 §3.2).
    public var target: String
    public var versionMajor: Int
    public var versionMinor: Int
    public var headers: [HTTPHeader]

    public init(method: String, target: String, versionMajor: Int = 1, versionMinor: Int = 1, headers: [HTTPHeader]) {
        self.method = method
        self.target = target
        self.versionMajor = versionMajor
        self.versionMinor = versionMinor
        self.headers = headers
    }

    /// The target's path, without query.
    public var path: Substring {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    }

    /// Whether the connection stays open after this request (RFC 9112 §9.3).
    public var keepAlive: Bool {
        let options = headers.listTokens(named: "Connection")
        if options.contains("close") { return false }
        if versionMinor >= 1 { return true }
        return options.contains("keep-alive")
    }

    /// Whether the client waits for `100 Continue` before sending the body (RFC 9110 §10.1.1).
    public var expectsContinue: Bool {
        versionMinor >= 1 && headers.listTokens(named: "Expect").contains("100-continue")
    }
}

/// A complete request: head and the whole (de-chunked) body.
public struct HTTPRequest: Sendable, Equatable {
    public var head: HTTPRequestHead
    public var body: [UInt8]

    public init(head: HTTPRequestHead, body: [UInt8]) {
        self.head = head
        self.body = body
    }
}
