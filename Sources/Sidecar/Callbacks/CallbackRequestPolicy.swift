import HTTP1

/// What the callback listener accepts before it reads a signature: Freedom Pay calls with
/// the `pg_request_method` of the payment ("Check request", "Result notify": GET, POST or
/// XML), the browser returns with GET or POST ("Redirect back").
/// - GET: the fields are the query string; no body.
/// - POST: the fields are the body (`application/x-www-form-urlencoded`,
///   `multipart/form-data`, or XML in a single `pg_xml` field); no query string, because the
///   sidecar could not tell which query fields Freedom Pay signed.
enum CallbackRequestPolicy {
    static func message(of request: HTTPRequest) throws(SidecarError) -> CallbackMessage {
        let head = request.head
        // RFC 9112 §3.2: an HTTP/1.1 request carries exactly one Host.
        let hosts = head.headers.values(named: "Host")
        guard hosts.count == 1 || (hosts.isEmpty && head.versionMinor == 0) else { throw .invalidRequest("send exactly one Host header") }
        guard hosts.allSatisfy(HTTPSyntax.isValidHost) else { throw .invalidRequest("Host must be host[:port]") }
        let framed = head.headers.contains {
            $0.name.caseInsensitiveEquals("Content-Length") || $0.name.caseInsensitiveEquals("Transfer-Encoding")
        }
        switch head.method {
        case "GET":
            guard request.body.isEmpty, !head.headers.contains(where: { $0.name.caseInsensitiveEquals("Transfer-Encoding") }) else {
                throw .invalidRequest("a GET callback carries its fields in the query string, without a body")
            }
            let query = head.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).dropFirst().first.map(String.init)
            guard let query, !query.isEmpty else { throw .invalidRequest("a GET callback carries its fields in the query string") }
            return CallbackMessage(message: try CallbackFields.fromQuery(query), query: query)
        case "POST":
            guard !head.target.contains("?") else {
                throw .invalidRequest("a POST callback carries its fields in the body; configure the callback URL without a query string")
            }
            guard framed else { throw .lengthRequired }
            let types = head.headers.values(named: "Content-Type")
            guard types.count == 1 else { throw CallbackRequestPolicy.unsupportedMediaType }
            return CallbackMessage(message: try CallbackFields.fromBody(request.body, contentType: types[0]), query: nil)
        default:
            throw .methodNotAllowed("GET, POST")
        }
    }

    static let unsupportedMediaType = SidecarError(
        .unsupportedMediaType, message: "Content-Type must be application/x-www-form-urlencoded or multipart/form-data")
}
