import HTTP1
import LoopbackTestSupport
import SocketLoop
import Testing
import Upstream

/// Runs `body` with a client on one event loop and one connection (so that a connection kept is
/// the one the next request reuses) in front of a chaos upstream, TLS with a fresh test CA or plain.
private func withClient(
    tls: Bool, actions: [ChaosAction], isolation: isolated (any Actor)? = #isolation,
    _ body: (HTTPUpstreamClient, ChaosUpstream) async throws -> Void
) async throws {
    if tls {
        try await withTestPKI { pki in
            try await withClient(identity: pki.valid, caBundlePath: pki.caBundlePath, actions: actions, body)
        }
    } else {
        try await withClient(identity: nil, caBundlePath: nil, actions: actions, body)
    }
}

private func withClient(
    identity: TestIdentity?, caBundlePath: String?, actions: [ChaosAction], isolation: isolated (any Actor)? = #isolation,
    _ body: (HTTPUpstreamClient, ChaosUpstream) async throws -> Void
) async throws {
    let upstream = try ChaosUpstream(tls: identity, actions: actions)
    defer { upstream.stop() }
    let configuration = UpstreamClientConfiguration(
        connectTimeout: 5, totalTimeout: 5, maxConcurrentRequests: 1, caBundlePath: caBundlePath)
    let client = try HTTPUpstreamClient(configuration: configuration, loops: EventLoopGroup(count: 1))
    defer { client.shutdown() }
    try await body(client, upstream)
}

private func request(_ number: Int, to upstream: ChaosUpstream, checkingID: Bool) -> UpstreamRequest {
    let id = "0197a000-0000-7000-8000-\(String(repeating: "0", count: 11))\(number)"
    return UpstreamRequest(
        method: "POST", url: upstream.baseURL + "/v5/g2g/edit", headers: [HTTPHeader(name: "X-Request-Id", value: id)],
        body: Array(#"{"n":\#(number)}"#.utf8), requestID: checkingID ? id : nil)
}

@Suite("HTTPUpstreamClient reuses only clean connections", .timeLimit(.minutes(1)))
struct HTTPUpstreamClientReuseTests {
    @Test("a record or segment behind an answer keeps the connection out of the pool, with no id to check", arguments: [false, true])
    func strayBytesWithoutIDCheck(tls: Bool) async throws {
        try await withClient(tls: tls, actions: [.duplicateSeparate]) { client, upstream in
            for number in 0..<3 {
                let response = try await client.send(request(number, to: upstream, checkingID: false))
                #expect(String(decoding: response.body, as: UTF8.self) == #"{"n":\#(number)}"#)
                #expect(response.requestIDEcho == nil)
            }
            #expect(upstream.connectionCount == 2)
        }
    }

    @Test("an answer echoing another request's id fails as broken and closes its connection", arguments: [false, true])
    func answerForAnotherRequest(tls: Bool) async throws {
        try await withClient(tls: tls, actions: [.duplicateBeforeNextAnswer]) { client, upstream in
            let first = try await client.send(request(1, to: upstream, checkingID: true))
            #expect(first.requestIDEcho == .matches)
            do {
                _ = try await client.send(request(2, to: upstream, checkingID: true))
                Issue.record("the first answer's duplicate was taken for the second's")
            } catch {
                guard case .brokenResponse(let message)? = error as? UpstreamError else {
                    Issue.record("expected a broken response, got \(error)")
                    return
                }
                #expect(message.contains("belongs to another request"))
            }
            let third = try await client.send(request(3, to: upstream, checkingID: true))
            #expect(String(decoding: third.body, as: UTF8.self) == #"{"n":3}"#)
            #expect(upstream.connectionCount == 2)
        }
    }
}
