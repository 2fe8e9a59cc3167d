import HTTP1

/// Where requests go: scheme, host and port of an absolute URL, and the `Host` field value.
struct UpstreamOrigin: Equatable {
    var useTLS: Bool
    /// Host without brackets, for resolving, SNI and certificate checks.
    var host: String
    var port: UInt16
    /// `host[:port]` as written in the URL, for the Host header.
    var authority: String

    /// Splits `url` into its origin and request target ("/path?query").
    static func parse(_ url: String) -> (origin: UpstreamOrigin, target: String)? {
        let bytes = url.utf8
        let scheme: Bool
        let afterScheme: String.UTF8View.Index
        if bytes.starts(with: "https://".utf8) {
            scheme = true
            afterScheme = bytes.index(bytes.startIndex, offsetBy: 8)
        } else if bytes.starts(with: "http://".utf8) {
            scheme = false
            afterScheme = bytes.index(bytes.startIndex, offsetBy: 7)
        } else {
            return nil
        }
        let rest = bytes[afterScheme...]
        let slash = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
        let authority = String(Substring(url.utf8[afterScheme..<slash]))
        var target = String(Substring(url.utf8[slash...]))
        if target.isEmpty { target = "/" }
        guard !authority.isEmpty, !authority.utf8.contains(UInt8(ascii: "@")) else { return nil }
        var host = authority
        var port: UInt16 = scheme ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = UInt16(after.dropFirst()), number > 0 else { return nil }
                port = number
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = String(authority[..<colon])
            guard let number = UInt16(authority[authority.index(after: colon)...]), number > 0 else { return nil }
            port = number
        }
        guard !host.isEmpty else { return nil }
        return (UpstreamOrigin(useTLS: scheme, host: host, port: port, authority: authority), target)
    }
}

extension UpstreamRequest {
    /// Fields whose meaning belongs to the client's framing; the caller's copies are dropped.
    static func isFramingField(_ name: String) -> Bool {
        name.caseInsensitiveEquals("Content-Length") || name.caseInsensitiveEquals("Transfer-Encoding")
            || name.caseInsensitiveEquals("Expect") || name.caseInsensitiveEquals("Host")
            || name.caseInsensitiveEquals("Connection") || name.caseInsensitiveEquals("Keep-Alive")
            || name.caseInsensitiveEquals("TE") || name.caseInsensitiveEquals("Upgrade")
    }

    /// The request as HTTP/1.1 bytes: request line, Host, the caller's fields, Content-Length, body.
    func serialized(target: String, authority: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + headers.count * 64 + body.count)
        out.append(contentsOf: method.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: target.utf8)
        out.append(contentsOf: " HTTP/1.1\r\nHost: ".utf8)
        out.append(contentsOf: authority.utf8)
        out.append(contentsOf: "\r\n".utf8)
        for field in headers where !UpstreamRequest.isFramingField(field.name) {
            out.append(contentsOf: field.name.utf8)
            out.append(UInt8(ascii: ":"))
            if !field.value.isEmpty {
                out.append(UInt8(ascii: " "))
                out.append(contentsOf: field.value.utf8)
            }
            out.append(contentsOf: "\r\n".utf8)
        }
        // RFC 9110 §8.6: a body-less GET/HEAD/DELETE/OPTIONS carries no Content-Length.
        if !body.isEmpty || !["GET", "HEAD", "DELETE", "OPTIONS", "TRACE"].contains(method) {
            out.append(contentsOf: "Content-Length: ".utf8)
            out.append(contentsOf: String(body.count).utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        out.append(contentsOf: body)
        return out
    }

    /// Why the request cannot be sent as is (header injection, bad tokens), or nil.
    var problem: String? {
        guard HTTPSyntax.isToken(method) else { return "method" }
        guard url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return "URL characters" }
        if method == "HEAD" && !body.isEmpty { return "HEAD with a body" }
        for field in headers {
            guard HTTPSyntax.isToken(field.name) else { return "header name" }
            guard !field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) else {
                return "header value of \(field.name)"
            }
        }
        return nil
    }
}
