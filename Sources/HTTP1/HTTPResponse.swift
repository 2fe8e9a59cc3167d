/// A response to serialize. `Content-Length` is always derived from `body`.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

extension HTTPResponse {
    /// The bytes of `HTTP/1.1 <status> <reason>`, the headers, `Content-Length`, and the body.
    /// Framing fields in `headers` (Content-Length, Transfer-Encoding, Connection) are replaced,
    /// since this serializer alone decides the framing. `keepAlive: false` adds `Connection: close`.
    /// `includeBody: false` answers a HEAD request: same headers, no content (RFC 9110 §9.3.2).
    public func serialized(keepAlive: Bool, includeBody: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + headers.count * 48 + body.count)
        out.append(contentsOf: "HTTP/1.1 \(status) \(HTTPResponse.reasonPhrase(for: status))\r\n".utf8)
        for header in headers where !HTTPResponse.isFramingField(header.name) {
            // A value with CR or LF would split the response; such a field is dropped.
            guard !header.value.utf8.contains(where: { $0 == ByteClass.cr || $0 == ByteClass.lf }),
                  !header.name.isEmpty, header.name.utf8.allSatisfy(ByteClass.isTokenChar)
            else { continue }
            out.append(contentsOf: header.name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: header.value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        if !keepAlive { out.append(contentsOf: "Connection: close\r\n".utf8) }
        if HTTPResponse.statusAllowsBody(status) {
            out.append(contentsOf: "Content-Length: \(body.count)\r\n\r\n".utf8)
            if includeBody { out.append(contentsOf: body) }
        } else {
            out.append(contentsOf: "\r\n".utf8)
        }
        return out
    }

    /// The interim response sent before reading a body the client is holding back.
    public static let continueBytes: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    static func isFramingField(_ name: String) -> Bool {
        name.caseInsensitiveEquals("Content-Length") || name.caseInsensitiveEquals("Transfer-Encoding")
            || name.caseInsensitiveEquals("Connection")
    }

    /// RFC 9110 §6.4.1: 1xx, 204 and 304 responses have no content.
    static func statusAllowsBody(_ status: Int) -> Bool {
        !(100..<200).contains(status) && status != 204 && status != 304
    }

    public static func reasonPhrase(for status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 428: "Precondition Required"  // RFC 6585 §3
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: "Status \(status)"
        }
    }
}
