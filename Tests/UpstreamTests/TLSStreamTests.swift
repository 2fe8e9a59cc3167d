import HTTP1
import LoopbackTestSupport
import Testing
import Upstream

#if canImport(Glibc)
import Glibc
#endif

@Suite struct TLSStreamTests {
    private func context(_ pki: TestPKI, pins: String? = nil, minimum: TLSVersion = .v1_2) throws -> TLSContext {
        let pinned = try pins.map { try TLSSettings.parsePinnedPublicKeys($0) } ?? []
        return try TLSContext(
            settings: TLSSettings(caBundlePath: pki.caBundlePath, minimumVersion: minimum, pinnedPublicKeys: pinned))
    }

    /// The handshake's failure, or nil if it completed.
    private func handshakeFailure(
        _ pki: TestPKI, identity: KeyPath<TestPKI, TestIdentity>, serverName: String = "127.0.0.1",
        maximumVersion: TLSTestServer.ProtocolVersion? = nil, minimum: TLSVersion = .v1_2, pins: String? = nil
    ) async throws -> TLSFailure? {
        let context = try context(pki, pins: pins, minimum: minimum)
        return try await withTLSTestServer(identity: pki[keyPath: identity], maximumVersion: maximumVersion) { server in
            let client = try TLSTestClient(port: server.port, context: context, serverName: serverName)
            switch try client.handshake() {
            case .done: return nil
            case .failed(let failure): return failure
            case let other:
                Issue.record("handshake ended with \(other)")
                return nil
            }
        }
    }

    @Test(arguments: ["127.0.0.1", "localhost"])
    func trustedServerHandshakesAndRoundTripsKeepAlive(serverName: String) async throws {
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki.valid) { server in
                server.response = HTTPResponse(status: 201, body: Array("created".utf8))
                let client = try TLSTestClient(port: server.port, context: context(pki), serverName: serverName)
                #expect(try client.handshake() == .done)
                #expect(client.stream.negotiatedVersion == "TLSv1.3")
                #expect(!client.stream.sessionWasReused)

                let get = try client.exchange("GET /status?id=1 HTTP/1.1\r\nHost: \(serverName)\r\n\r\n")
                #expect(get.head.hasPrefix("HTTP/1.1 201 Created\r\n"))
                #expect(get.body == Array("created".utf8))
                let body = #"{"id":"01978d4f","amount":100}"#
                let post = try client.exchange(
                    "POST /v5/g2g/edit HTTP/1.1\r\nHost: \(serverName)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                )
                #expect(post.body == Array("created".utf8))

                let requests = server.requests
                #expect(requests.map(\.method) == ["GET", "POST"])
                #expect(requests.map(\.target) == ["/status?id=1", "/v5/g2g/edit"])
                #expect(requests.map(\.connection) == [0, 0])
                #expect(requests.last?.body == Array(body.utf8))
                #expect(requests.last?.headers.first(named: "Content-Type") == "application/json")
                #expect(server.handshakeCount == 1)
            }
        }
    }

    @Test func closeNotifyFromTheServerReadsAsClosed() async throws {
        try await withTestPKI { pki in
            try await withTLSTestServer(identity: pki.valid) { server in
                let client = try TLSTestClient(port: server.port, context: context(pki), serverName: "localhost")
                #expect(try client.handshake() == .done)
                let response = try client.exchange("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                #expect(response.head.contains("Connection: close"))
                #expect(try client.read() == .closed)
                #expect(!client.stream.endedWithoutCloseNotify)
            }
        }
    }

    @Test func unknownCAIsUntrusted() async throws {
        try await withTestPKI { pki in
            let failure = try #require(try await handshakeFailure(pki, identity: \.untrusted))
            guard case .untrustedCertificate = failure else {
                Issue.record("got \(failure)")
                return
            }
            #expect(failure.code == "upstream_tls_untrusted")
            #expect(
                failure.message == "certificate verify failed: unable to get local issuer certificate (host 127.0.0.1)")
        }
    }

    @Test(arguments: [
        ("127.0.0.1", \TestPKI.wrongHost, "IP address mismatch"),
        ("localhost", \TestPKI.wrongHost, "hostname mismatch"),
        ("other.example", \TestPKI.valid, "hostname mismatch"),
    ])
    func certificateForAnotherHostIsAHostnameMismatch(
        serverName: String, identity: KeyPath<TestPKI, TestIdentity> & Sendable, reason: String
    ) async throws {
        try await withTestPKI { pki in
            let failure = try #require(try await handshakeFailure(pki, identity: identity, serverName: serverName))
            guard case .hostnameMismatch = failure else {
                Issue.record("got \(failure)")
                return
            }
            #expect(failure.code == "upstream_tls_hostname")
            #expect(failure.message == "certificate verify failed: \(reason) (host \(serverName))")
        }
    }

    @Test func expiredCertificate() async throws {
        try await withTestPKI { pki in
            let failure = try #require(try await handshakeFailure(pki, identity: \.expired))
            guard case .certificateExpired = failure else {
                Issue.record("got \(failure)")
                return
            }
            #expect(failure.code == "upstream_tls_expired")
            #expect(failure.message == "certificate verify failed: certificate has expired (host 127.0.0.1)")
        }
    }

    @Test func tls11OnlyServerIsAProtocolVersionFailure() async throws {
        try await withTestPKI { pki in
            let failure = try #require(try await handshakeFailure(pki, identity: \.valid, maximumVersion: .tls11))
            guard case .protocolVersion = failure else {
                Issue.record("got \(failure)")
                return
            }
            #expect(failure.code == "upstream_tls_version")
            #expect(failure.message.contains("we require 1.2 or later"))
            #expect(failure.message.hasSuffix("tlsv1 alert protocol version (host 127.0.0.1)"))
        }
    }

    @Test func minimumTLS13RefusesATLS12Server() async throws {
        try await withTestPKI { pki in
            let failure = try #require(
                try await handshakeFailure(pki, identity: \.valid, maximumVersion: .tls12, minimum: .v1_3))
            guard case .protocolVersion = failure else {
                Issue.record("got \(failure)")
                return
            }
            #expect(failure.message.contains("we require 1.3 or later"))
        }
    }

    @Test func pinMismatchFailsAfterAVerifiedHandshake() async throws {
        try await withTestPKI { pki in
            let failure = try #require(try await handshakeFailure(pki, identity: \.valid, pins: pki.untrustedPin))
            #expect(failure == .pinMismatch)
            #expect(failure.code == "upstream_tls_pin_mismatch")
            #expect(failure.message.contains("pinned public keys"))
        }
    }

    @Test func matchingPinAmongSeveralIsAccepted() async throws {
        try await withTestPKI { pki in
            let pins = "\(pki.untrustedPin);\(pki.validPin)"
            try await withTLSTestServer(identity: pki.valid) { server in
                let client = try TLSTestClient(
                    port: server.port, context: context(pki, pins: pins), serverName: "127.0.0.1")
                #expect(try client.handshake() == .done)
                #expect(try client.exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n").body == Array("ok".utf8))
            }
        }
    }

    @Test(arguments: [TLSTestServer.ProtocolVersion.tls12, .tls13])
    func secondConnectionResumesTheSession(version: TLSTestServer.ProtocolVersion) async throws {
        try await withTestPKI { pki in
            let context = try context(pki, pins: pki.validPin)
            try await withTLSTestServer(identity: pki.valid, maximumVersion: version) { server in
                let first = try TLSTestClient(port: server.port, context: context, serverName: "localhost")
                #expect(try first.handshake() == .done)
                #expect(!first.stream.sessionWasReused)
                // TLS 1.3 tickets arrive after the handshake; reading the response takes them in.
                _ = try first.exchange("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
                first.stream.close()

                let second = try TLSTestClient(port: server.port, context: context, serverName: "localhost")
                #expect(try second.handshake() == .done)  // the pin is checked on the resumed session too
                #expect(second.stream.sessionWasReused)
                #expect(try second.exchange("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").body == Array("ok".utf8))
                #expect(server.handshakeCount == 2)
                #expect(server.resumedHandshakeCount == 1)
            }
        }
    }

    @Test func sessionsAreKeptPerServerName() async throws {
        try await withTestPKI { pki in
            let context = try context(pki)
            try await withTLSTestServer(identity: pki.valid) { server in
                let first = try TLSTestClient(port: server.port, context: context, serverName: "localhost")
                #expect(try first.handshake() == .done)
                _ = try first.exchange("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
                let other = try TLSTestClient(port: server.port, context: context, serverName: "127.0.0.1")
                #expect(try other.handshake() == .done)
                #expect(!other.stream.sessionWasReused)
            }
        }
    }

    /// A client on one end of a socket pair whose other end `peer` acts on.
    private func handshakeOverSocketPair(_ pki: TestPKI, peer: (Int32) -> Void) throws -> TLSStream.HandshakeResult {
        var ends: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0 else {
            throw TLSTestClientError.socket("socketpair", errno)
        }
        let client = try TLSTestClient(fd: ends[0], context: context(pki), serverName: "127.0.0.1")
        peer(ends[1])
        defer { close(ends[1]) }
        return try client.handshake()
    }

    @Test func peerClosingDuringTheHandshakeIsAnUnexpectedEOF() async throws {
        try await withTestPKI { pki in
            // The peer takes the ClientHello but sends nothing back before its FIN.
            let result = try handshakeOverSocketPair(pki) { shutdown($0, Int32(SHUT_WR)) }
            guard case .failed(let failure) = result, case .connectionFailed = failure else {
                Issue.record("got \(result)")
                return
            }
            #expect(failure.code == "upstream_unreachable")
            #expect(
                failure.message
                    == "unexpected EOF during the TLS handshake: the server closed the connection without a TLS close_notify (host 127.0.0.1)"
            )
        }
    }

    @Test func writingToAGonePeerIsASocketErrorNotSIGPIPE() async throws {
        try await withTestPKI { pki in
            // The ClientHello goes to a closed peer: EPIPE, which must not raise SIGPIPE.
            let result = try handshakeOverSocketPair(pki) { shutdown($0, Int32(SHUT_RDWR)) }
            guard case .failed(let failure) = result, case .connectionFailed = failure else {
                Issue.record("got \(result)")
                return
            }
            #expect(failure.message == "socket error during the TLS handshake: Broken pipe (host 127.0.0.1)")
        }
    }

    @Test func plainHTTPServerIsNotTLS() async throws {
        try await withTestPKI { pki in
            let result = try handshakeOverSocketPair(pki) { peer in
                let answer = Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8)
                #expect(answer.withUnsafeBytes { send(peer, $0.baseAddress, $0.count, 0) } == answer.count)
            }
            guard case .failed(let failure) = result, case .protocolVersion = failure else {
                Issue.record("got \(result)")
                return
            }
            #expect(failure.code == "upstream_tls_version")
            #expect(
                failure.message
                    == "the server's reply is not TLS 1.2 or later (is it a TLS port?): wrong version number (host 127.0.0.1)"
            )
        }
    }

    @Test func bundleWithoutCertificatesIsASetupError() async throws {
        try await withTestPKI { pki in
            let path = "\(pki.directory)/empty.pem"
            let fd = creat(path, 0o600)
            #expect(fd >= 0)
            close(fd)
            #expect {
                try TLSContext(settings: TLSSettings(caBundlePath: path))
            } throws: { error in
                "\(error)"
                    == "cannot load the CA bundle \(path): error:05800088:x509 certificate routines::no certificate or crl found"
            }
        }
    }

    @Test func unreadableCABundleIsASetupError() throws {
        #expect {
            try TLSContext(settings: TLSSettings(caBundlePath: "/nonexistent/ca.pem"))
        } throws: { error in
            "\(error)".hasPrefix("cannot load the CA bundle /nonexistent/ca.pem: ")
        }
    }
}
