public enum UpstreamEndpointError: Error, Sendable, Equatable {
    /// Not of the form scheme://host[:port][/path].
    case malformed(String)
    /// A scheme other than http or https.
    case unsupportedScheme(String)
    /// http:// to a host that is not loopback.
    case insecureScheme
    case missingHost
    case userInfoNotAllowed
    case queryNotAllowed
    case fragmentNotAllowed
    case invalidPort
}

extension UpstreamEndpointError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .malformed(let why): "malformed URL (\(why))"
        case .unsupportedScheme(let scheme): "unsupported scheme '\(scheme)'; use https://"
        case .insecureScheme: "must be https:// (plain http:// only to a loopback address)"
        case .missingHost: "missing host"
        case .userInfoNotAllowed: "user info is not allowed in the URL"
        case .queryNotAllowed: "a query is not allowed in the URL"
        case .fragmentNotAllowed: "a fragment is not allowed in the URL"
        case .invalidPort: "invalid port"
        }
    }
}

/// A validated upstream base URL: https, or http only to a loopback host
/// (127.0.0.0/8, ::1, localhost). No userinfo, query or fragment.
public struct UpstreamEndpoint: Sendable, Equatable {
    /// scheme://host[:port][/path], scheme lowercased, no trailing slash.
    public let baseURL: String
    public let isLoopback: Bool

    public init(_ url: String) throws(UpstreamEndpointError) {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { throw .malformed("missing scheme") }
        let scheme = url[..<colon].asciiLowercased
        guard scheme == "http" || scheme == "https" else { throw .unsupportedScheme(String(scheme)) }
        let rest = url[url.index(colon, offsetBy: 3)...]
        if rest.contains("#") { throw .fragmentNotAllowed }
        if rest.contains("?") { throw .queryNotAllowed }
        for scalar in rest.unicodeScalars {
            guard scalar.value > 0x20, scalar.value < 0x7F else { throw .malformed("invalid character") }
            if "\"<>\\^`{|}".unicodeScalars.contains(scalar) { throw .malformed("invalid character") }
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = rest[authorityEnd...]
        if authority.contains("@") { throw .userInfoNotAllowed }
        if authority.isEmpty { throw .missingHost }

        let host: Substring
        let port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .malformed("unterminated IPv6 literal") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                port = nil
            } else if after.hasPrefix(":") {
                port = after.dropFirst()
            } else {
                throw .malformed("junk after IPv6 literal")
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw .malformed("invalid IPv6 literal")
            }
        } else {
            if let colon = authority.firstIndex(of: ":") {
                host = authority[..<colon]
                port = authority[authority.index(after: colon)...]
            } else {
                host = authority
                port = nil
            }
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
                throw .malformed("invalid host")
            }
        }
        if host.isEmpty { throw .missingHost }
        if let port {
            guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let number = Int(port), (1...65535).contains(number)
            else { throw .invalidPort }
        }
        let loopback = Self.isLoopbackHost(authority.hasPrefix("[") ? "[\(host)]" : String(host))
        if scheme == "http" && !loopback { throw .insecureScheme }
        while path.hasSuffix("/") { path = path.dropLast() }
        self.baseURL = "\(scheme)://\(authority)\(path)"
        self.isLoopback = loopback
    }

    /// The base URL followed by `path`, which should start with "/".
    public func url(path: String) -> String {
        path.hasPrefix("/") ? baseURL + path : baseURL + "/" + path
    }

    static func isLoopbackHost(_ host: String) -> Bool {
        let lower = host.asciiLowercased
        if lower == "localhost" { return true }
        if lower == "[::1]" || lower == "[0:0:0:0:0:0:0:1]" { return true }
        let parts = lower.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        var octets: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(part), value <= 255 else { return false }
            octets.append(value)
        }
        return octets[0] == 127
    }
}
