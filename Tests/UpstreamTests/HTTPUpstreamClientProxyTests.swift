import Foundation
import HTTP1
import LoopbackTestSupport
import SocketLoop
import Testing

@testable import Upstream

/// Runs `body` with an `HTTPUpstreamClient` on its own single event loop (one pool for
/// every request) that tunnels through `proxy`, then shuts the client down.
private func withProxiedClient<Result>(
    proxy: UpstreamProxy, caBundlePath: String? = nil, pins: String? = nil, isolation: isolated (any Actor)? = #isolation,
    _ body: (HTTPUpstreamClient) async throws -> Result
) async throws -> Result {
    let configuration = UpstreamClientConfiguration(
        connectTimeout: 5, totalTimeout: 5, caBundlePath: caBundlePath, pinnedPublicKey: pins, proxy: proxy)
    let client = try HTTPUpstreamClient(configuration: configuration, loops: EventLoopGroup(count: 1))
    defer { client.shutdown() }
    return try await body(client)
}

/// The error `send` threw, or nil if it succeeded.
private func sendExpectingError(_ client: HTTPUpstreamClient, _ request: UpstreamRequest) async -> UpstreamError? {
    do {
        _ = try await client.send(request)
        return nil
    } catch {
        return error
    }
}

private let refundBody = Array(#"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100}"#.utf8)

private func refund(host: String = "127.0.0.1", port: UInt16, requestID: String = "00000000-0000-4000-8000-000000000001")
    -> UpstreamRequest
{
    UpstreamRequest(
        method: "POST", url: "https://\(host):\(port)/v5/g2g/edit",
        headers: [
            HTTPHeader(name: "Content-Type", value: "application/json"),
            HTTPHeader(name: "X-Action", value: "gateway.payment.refund"),
            HTTPHeader(name: "X-Request-Id", value: requestID),
        ],
        body: refundBody)
}

private let credentials = "egress-user:s3cr:et"
/// base64("egress-user:s3cr:et"), computed independently of the client (Python's base64).
private let expectedProxyAuthorization = "Basic ZWdyZXNzLXVzZXI6czNjcjpldA=="

@Suite("HTTPUpstreamClient through an egress CONNECT proxy", .timeLimit(.minutes(1)))
struct HTTPUpstreamClientProxyTests {
    @Test("a tunnel to a TLS server: 200, CONNECT names the origin, the request arrives intact")
    func tunnelToTLSServer() async throws {
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki.valid) { server in
                try await withConnectProxy { proxy in
                    try await withProxiedClient(proxy: UpstreamProxy(url: proxy.url), caBundlePath: pki.caBundlePath) { client in
                        let response = try await client.send(refund(port: server.port))

                        #expect(response.status == 200)
                        #expect(response.body == Array("ok".utf8))
                        #expect(response.attempts == 1)
                        #expect(client.attemptCount == 1)
                        let connect = try #require(proxy.requests.first)
                        #expect(proxy.requests.count == 1)
                        #expect(
                            connect.headText == "CONNECT 127.0.0.1:\(server.port) HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n\r\n")
                        #expect(connect.headerValues("Proxy-Authorization").isEmpty)
                        #expect(proxy.tunnelCount == 1)
                        let received = try #require(server.requests.first)
                        #expect(server.requests.count == 1)
                        #expect(received.method == "POST")
                        #expect(received.target == "/v5/g2g/edit")
                        #expect(
                            received.headers == [
                                HTTPHeader(name: "Host", value: "127.0.0.1:\(server.port)"),
                                HTTPHeader(name: "Content-Type", value: "application/json"),
                                HTTPHeader(name: "X-Action", value: "gateway.payment.refund"),
                                HTTPHeader(name: "X-Request-Id", value: "00000000-0000-4000-8000-000000000001"),
                                HTTPHeader(name: "Content-Length", value: String(refundBody.count)),
                            ])
                        #expect(received.body == refundBody)
                        #expect(server.handshakeCount == 1)
                    }
                }
            }
        }
    }

    @Test("an origin named by host name is passed to the proxy by name, not resolved by the client")
    func tunnelByName() async throws {
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki.valid) { server in
                try await withConnectProxy { proxy in
                    try await withProxiedClient(proxy: UpstreamProxy(url: proxy.url), caBundlePath: pki.caBundlePath) { client in
                        let response = try await client.send(refund(host: "localhost", port: server.port))

                        #expect(response.status == 200)
                        #expect(proxy.requests.map(\.requestLine) == ["CONNECT localhost:\(server.port) HTTP/1.1"])
                        #expect(server.requests.first?.headers.first(named: "Host") == "localhost:\(server.port)")
                    }
                }
            }
        }
    }

    @Test("credentials go to the proxy as Proxy-Authorization: Basic, and not to the origin")
    func credentialsSent() async throws {
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki.valid) { server in
                try await withConnectProxy(requiredCredentials: credentials) { proxy in
                    let upstreamProxy = try UpstreamProxy(url: proxy.url, credentials: credentials)
                    try await withProxiedClient(proxy: upstreamProxy, caBundlePath: pki.caBundlePath) { client in
                        let response = try await client.send(refund(port: server.port))

                        #expect(response.status == 200)
                        #expect(proxy.requests.count == 1)
                        #expect(proxy.requests.first?.headerValues("Proxy-Authorization") == [expectedProxyAuthorization])
                        #expect(
                            expectedProxyAuthorization == "Basic " + Data(credentials.utf8).base64EncodedString())
                        #expect(proxy.tunnelCount == 1)
                        #expect(server.requests.count == 1)
                        #expect(server.requests.first?.headers.first(named: "Proxy-Authorization") == nil)
                    }
                }
            }
        }
    }

    @Test(
        "missing or wrong credentials: the proxy's 407 is upstream_proxy_refused, not retried",
        arguments: [nil, "egress-user:wrong"] as [String?])
    func credentialsRejected(_ sent: String?) async throws {
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki.valid) { server in
                try await withConnectProxy(requiredCredentials: credentials) { proxy in
                    let upstreamProxy = try UpstreamProxy(url: proxy.url, credentials: sent)
                    try await withProxiedClient(proxy: upstreamProxy, caBundlePath: pki.caBundlePath) { client in
                        let error = await sendExpectingError(client, refund(port: server.port))

                        guard case .proxyFailed(let code, let message) = error else {
                            Issue.record("expected .proxyFailed, got \(String(describing: error))")
                            return
                        }
                        #expect(code == "upstream_proxy_refused")
                        #expect(message.contains("407"), "\(message)")
                        #expect(error?.kind == "proxy")
                        #expect(client.attemptCount == 1)
                        #expect(proxy.connectionCount == 1)
                        #expect(proxy.tunnelCount == 0)
                        #expect(server.connectionCount == 0)
                    }
                }
            }
        }
    }

    @Test("a proxy that refuses the tunnel (403) is upstream_proxy_refused, not retried")
    func proxyRefuses() async throws {
        try await withConnectProxy(behavior: .refuse(status: 403, reason: "Forbidden")) { proxy in
            let refusing = try RefusingPort()
            try await withProxiedClient(proxy: UpstreamProxy(url: proxy.url)) { client in
                let error = await sendExpectingError(client, refund(port: refusing.port))

                #expect(
                    error == .proxyFailed(code: "upstream_proxy_refused", message: "the egress proxy refused the tunnel: 403 Forbidden"))
                #expect(client.attemptCount == 1)
                #expect(proxy.connectionCount == 1)
                #expect(proxy.requests.map(\.requestLine) == ["CONNECT 127.0.0.1:\(refusing.port) HTTP/1.1"])
            }
        }
    }

    @Test("a proxy port that refuses connections is upstream_proxy_unreachable after exactly one retry")
    func proxyPortRefused() async throws {
        let refusingProxy = try RefusingPort()
        let origin = try RefusingPort()
        try await withProxiedClient(proxy: UpstreamProxy(url: "http://127.0.0.1:\(refusingProxy.port)")) { client in
            let error = await sendExpectingError(client, refund(port: origin.port))

            guard case .proxyFailed(let code, let message) = error else {
                Issue.record("expected .proxyFailed, got \(String(describing: error))")
                return
            }
            #expect(code == "upstream_proxy_unreachable")
            #expect(message.contains("egress proxy"), "\(message)")
            #expect(client.attemptCount == 2)
        }
    }

    @Test("a proxy that closes without answering CONNECT is upstream_proxy_unreachable after exactly one retry")
    func proxyClosesWithoutAnswer() async throws {
        try await withConnectProxy(behavior: .closeWithoutAnswer) { proxy in
            let origin = try RefusingPort()
            try await withProxiedClient(proxy: UpstreamProxy(url: proxy.url)) { client in
                let error = await sendExpectingError(client, refund(port: origin.port))

                #expect(
                    error
                        == .proxyFailed(
                            code: "upstream_proxy_unreachable",
                            message: "the egress proxy closed the connection before opening the tunnel"))
                #expect(client.attemptCount == 2)
                #expect(proxy.connectionCount == 2)
                #expect(proxy.requests.count == 2)
                #expect(proxy.tunnelCount == 0)
            }
        }
    }

    @Test(
        "inside the tunnel the CA, host name, expiry, version and pin checks still apply, end to end",
        arguments: UpstreamTLSFailureCase.all)
    func tlsFailureThroughTunnel(_ failure: UpstreamTLSFailureCase) async throws {
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki[keyPath: failure.identity], maximumVersion: failure.maximumVersion) {
                server in
                try await withConnectProxy { proxy in
                    try await withProxiedClient(
                        proxy: UpstreamProxy(url: proxy.url), caBundlePath: failure.caBundlePath(pki), pins: failure.pins(pki)
                    ) { client in
                        let error = await sendExpectingError(client, refund(port: server.port))

                        guard case .tlsFailed(let code, let message) = error else {
                            Issue.record("expected .tlsFailed, got \(String(describing: error))")
                            return
                        }
                        #expect(code == failure.code)
                        #expect(message.contains(failure.cause), "\(message)")
                        #expect(client.attemptCount == 1)
                        #expect(proxy.tunnelCount == 1)
                        #expect(server.requests.isEmpty, "nothing is sent over an unverified connection")
                    }
                }
            }
        }
    }

    @Test("keep-alive: three sequential requests reuse one tunnel and one TLS connection")
    func keepAliveThroughTunnel() async throws {
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki.valid) { server in
                try await withConnectProxy { proxy in
                    try await withProxiedClient(proxy: UpstreamProxy(url: proxy.url), caBundlePath: pki.caBundlePath) { client in
                        for index in 1...3 {
                            let response = try await client.send(
                                refund(port: server.port, requestID: "00000000-0000-4000-8000-00000000000\(index)"))
                            #expect(response.status == 200)
                        }
                        #expect(proxy.connectionCount == 1)
                        #expect(proxy.tunnelCount == 1)
                        #expect(server.connectionCount == 1)
                        #expect(server.handshakeCount == 1)
                        #expect(
                            server.requests.map { $0.headers.first(named: "X-Request-Id") } == [
                                "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002",
                                "00000000-0000-4000-8000-000000000003",
                            ])
                        #expect(client.attemptCount == 3)
                    }
                }
            }
        }
    }

    @Test("a plain-HTTP loopback origin through the tunnel: the request arrives byte for byte")
    func plainHTTPOrigin() async throws {
        let server = try TestServer { _, connection in
            connection.write("HTTP/1.1 201 Created\r\nX-Origin: plain\r\nContent-Length: 4\r\n\r\ndone")
            return true
        }
        defer { server.stop() }
        try await withConnectProxy { proxy in
            try await withProxiedClient(proxy: UpstreamProxy(url: proxy.url)) { client in
                let response = try await client.send(
                    UpstreamRequest(
                        method: "POST", url: server.baseURL + "/v5/g2g/edit?x=1",
                        headers: [HTTPHeader(name: "X-Action", value: "gateway.payment.refund")], body: refundBody))

                #expect(response.status == 201)
                #expect(response.headers.first(named: "X-Origin") == "plain")
                #expect(response.body == Array("done".utf8))
                #expect(proxy.requests.map(\.requestLine) == ["CONNECT 127.0.0.1:\(server.port) HTTP/1.1"])
                #expect(proxy.tunnelCount == 1)
                let received = try #require(server.requests.first)
                #expect(server.requests.count == 1)
                #expect(
                    received.headText
                        == "POST /v5/g2g/edit?x=1 HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n"
                        + "X-Action: gateway.payment.refund\r\nContent-Length: \(refundBody.count)\r\n\r\n")
                #expect(received.body == refundBody)
                #expect(client.attemptCount == 1)
            }
        }
    }
}

@Suite("UpstreamProxy")
struct UpstreamProxyTests {
    @Test(
        "accepts http://host:port",
        arguments: [
            ("http://127.0.0.1:3128", "127.0.0.1", 3128),
            ("http://egress.internal:8080", "egress.internal", 8080),
            ("http://egress.internal:8080/", "egress.internal", 8080),
            ("http://[::1]:3128", "::1", 3128),
        ] as [(String, String, UInt16)])
    func accepts(_ url: String, host: String, port: UInt16) throws {
        let proxy = try UpstreamProxy(url: url)
        #expect(proxy.host == host)
        #expect(proxy.port == port)
    }

    @Test(
        "refuses anything but http://host:port",
        arguments: [
            "https://egress.internal:3128",
            "HTTPS://egress.internal:3128",
            "socks5://egress.internal:1080",
            "egress.internal:3128",
            "http://egress.internal:3128/path",
            "http://user:pass@egress.internal:3128",
            "http://egress.internal",
            "http://egress.internal:",
            "http://egress.internal:0",
            "http://egress.internal:65536",
            "http://:3128",
            "http://[::1]",
            "",
        ])
    func refusesURL(_ url: String) {
        #expect(throws: UpstreamSetupError.self) { try UpstreamProxy(url: url) }
    }

    @Test(
        "an error about a URL with user info does not repeat the password",
        arguments: [
            "http://user:hunter2@egress.internal:3128", "https://user:hunter2@egress.internal:3128", "user:hunter2@egress.internal:3128",
        ])
    func userInfoNotEchoed(_ url: String) {
        do {
            _ = try UpstreamProxy(url: url)
            Issue.record("accepted a URL with user info")
        } catch {
            #expect(!String(describing: error).contains("hunter2"), "\(error)")
            #expect(String(describing: error).contains("egress.internal:3128"), "\(error)")
        }
    }

    @Test(
        "refuses credentials without a colon or with control characters, without repeating them",
        arguments: ["userpass", "", "user:pa\nss", "user:pa\r\nX-Injected: 1", "user:pa\u{0}ss", "user:pa\tss", "user:pa\u{7F}ss"])
    func refusesCredentials(_ credentials: String) {
        do {
            _ = try UpstreamProxy(url: "http://127.0.0.1:3128", credentials: credentials)
            Issue.record("accepted credentials \(credentials.debugDescription)")
        } catch {
            #expect(credentials.isEmpty || !String(describing: error).contains(credentials))
        }
    }

    @Test(
        "the CONNECT request: authority form with the port, IPv6 literals in brackets, Basic credentials",
        arguments: [
            (
                "https://127.0.0.1:8443/v5/g2g/edit", nil,
                "CONNECT 127.0.0.1:8443 HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n\r\n"
            ),
            (
                "https://api.freedompay.example/v5/g2g/edit", nil,
                "CONNECT api.freedompay.example:443 HTTP/1.1\r\nHost: api.freedompay.example:443\r\n\r\n"
            ),
            (
                "http://127.0.0.1/health", nil,
                "CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n"
            ),
            (
                "https://[::1]:8443/v5", nil,
                "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n"
            ),
            (
                "https://[2001:db8::1]/v5", "user:pass",
                "CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: [2001:db8::1]:443\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n"
            ),
            (
                "https://api.freedompay.example:443/v5", credentials,
                "CONNECT api.freedompay.example:443 HTTP/1.1\r\nHost: api.freedompay.example:443\r\n"
                    + "Proxy-Authorization: \(expectedProxyAuthorization)\r\n\r\n"
            ),
        ] as [(String, String?, String)])
    func connectRequest(_ url: String, credentials: String?, expected: String) throws {
        let proxy = try UpstreamProxy(url: "http://127.0.0.1:3128", credentials: credentials)
        let origin = try #require(UpstreamOrigin.parse(url)).origin
        #expect(String(decoding: proxy.connectRequest(to: origin), as: UTF8.self) == expected)
    }
}
