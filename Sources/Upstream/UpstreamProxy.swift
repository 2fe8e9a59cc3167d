/// An egress HTTP proxy that the client tunnels through with `CONNECT` (RFC 9110 §9.3.6):
/// TLS to Freedom Pay then runs inside the tunnel, end to end, with the same certificate and
/// pin checks. Environment variables (`HTTPS_PROXY`, …) are never read.
public struct UpstreamProxy: Sendable, Equatable {
    public var host: String
    public var port: UInt16
    /// The `Proxy-Authorization` value, when credentials are configured. Never logged.
    var authorization: String?

    /// `http://host:port` (no path, no user info: credentials come separately, from a file).
    public init(url: String, credentials: String? = nil) throws(UpstreamSetupError) {
        guard url.hasPrefix("http://") else {
            throw UpstreamSetupError("upstream proxy \(Self.redacted(url)): use http://host:port (the tunnel itself carries TLS)")
        }
        let authority = url.dropFirst(7).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard authority.count == 1 || authority[1].isEmpty, let hostAndPort = authority.first, !hostAndPort.contains("@"),
            let (origin, _) = UpstreamOrigin.parse("http://\(hostAndPort)/"),
            // The port is what follows the host, after an IPv6 literal's closing bracket.
            hostAndPort.split(separator: "]", omittingEmptySubsequences: false).last?.contains(":") == true
        else {
            throw UpstreamSetupError("upstream proxy \(Self.redacted(url)): use http://host:port, without a path or user info")
        }
        host = origin.host
        port = origin.port
        if let credentials {
            guard credentials.contains(":"), !credentials.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                throw UpstreamSetupError("upstream proxy credentials must be one line of the form user:password")
            }
            authorization = "Basic " + Base64.encode(Array(credentials.utf8))
        }
    }

    /// `url` for error messages, with any user info before an `@` masked: it may hold a password.
    private static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@") else { return url }
        var start = url.startIndex
        if let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") { start = url.index(colon, offsetBy: 3) }
        return start <= at ? url[..<start] + "***" + url[at...] : url
    }

    /// The CONNECT request for `origin`.
    func connectRequest(to origin: UpstreamOrigin) -> [UInt8] {
        let target = origin.host.contains(":") ? "[\(origin.host)]:\(origin.port)" : "\(origin.host):\(origin.port)"
        var text = "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n"
        if let authorization { text += "Proxy-Authorization: \(authorization)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }
}
