import HTTP1
import Testing

@Suite struct HostSyntaxTests {
    @Test(arguments: ["127.0.0.1", "127.0.0.1:18080", "localhost", "api.freedompay.kz", "[::1]", "[::1]:443", "a%20b", "x_y~z", ""])
    func validHosts(_ value: String) {
        #expect(HTTPSyntax.isValidHost(value))
    }

    @Test(arguments: [
        "a b", "a/b", "a@b", "host:port", "host:123456", "[::1", "[]", "[zz]", ":80", "a%2", "a%zz", "\u{212A}", "caf\u{E9}",
        "a:80:90", "[::1]x", "a\tb",
    ])
    func invalidHosts(_ value: String) {
        #expect(!HTTPSyntax.isValidHost(value))
    }
}
