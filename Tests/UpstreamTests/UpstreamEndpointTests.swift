import Testing
import Upstream

@Suite("UpstreamEndpoint")
struct UpstreamEndpointTests {
    @Test("accepts https anywhere and http to loopback; trims trailing slashes", arguments: [
        ("https://api.freedompay.kz", "https://api.freedompay.kz"),
        ("https://api.freedompay.kz/", "https://api.freedompay.kz"),
        ("HTTPS://api.freedompay.kz:443/base//", "https://api.freedompay.kz:443/base"),
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
        ("http://127.1.2.3", "http://127.1.2.3"),
        ("http://localhost:9000/", "http://localhost:9000"),
        ("http://[::1]:8081", "http://[::1]:8081"),
        ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"),
    ])
    func accepts(input: String, expected: String) throws {
        let endpoint = try UpstreamEndpoint(input)
        #expect(endpoint.baseURL == expected)
        #expect(endpoint.url(path: "/g2/refund") == expected + "/g2/refund")
    }

    @Test("rejects insecure, foreign schemes, userinfo, query, fragment, missing host, bad port", arguments: [
        ("http://api.freedompay.kz", UpstreamEndpointError.insecureScheme),
        ("http://128.0.0.1:8081", .insecureScheme),
        ("http://127.0.0.1.evil.com", .insecureScheme),
        ("http://localhost.evil.com", .insecureScheme),
        ("http://[::2]", .insecureScheme),
        ("ftp://127.0.0.1/", .unsupportedScheme("ftp")),
        ("file:///etc/passwd", .unsupportedScheme("file")),
        ("http://user@127.0.0.1", .userInfoNotAllowed),
        ("https://user:pass@api.freedompay.kz", .userInfoNotAllowed),
        ("https://api.freedompay.kz/?a=1", .queryNotAllowed),
        ("https://api.freedompay.kz/#top", .fragmentNotAllowed),
        ("https://", .missingHost),
        ("https:///path", .missingHost),
        ("https://:443", .missingHost),
        ("https://api.freedompay.kz:0", .invalidPort),
        ("https://api.freedompay.kz:65536", .invalidPort),
        ("https://api.freedompay.kz:", .invalidPort),
        ("https://api.freedompay.kz:44a", .invalidPort),
        ("api.freedompay.kz", .malformed("missing scheme")),
        ("https://api.freedom pay.kz", .malformed("invalid character")),
        ("https://api_freedompay.kz", .malformed("invalid host")),
    ])
    func rejects(input: String, expected: UpstreamEndpointError) {
        #expect(throws: expected) { try UpstreamEndpoint(input) }
    }
}
