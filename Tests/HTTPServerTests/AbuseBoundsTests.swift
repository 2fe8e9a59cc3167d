import HTTP1
import LoopbackTestSupport
import SocketLoop
import Testing

@testable import HTTPServer

/// Issue #16: memory and connection slots stay bounded under misbehaving clients.
@Suite(.timeLimit(.minutes(1))) struct AbuseBoundsTests {
    static let refundHead = "POST /refund HTTP/1.1\r\nHost: x\r\nIdempotency-Key: abuse-test-1\r\n"

    // MARK: Body budget

    @Test func bodyOverTheBudgetGets503BeforeThe100Continue() async throws {
        try await withServer(HTTPServerConfiguration(maxBufferedBodyBytes: 10)) { server, responder in
            let client = try LoopbackClient(server.address)
            try await client.send(Self.refundHead + "Content-Length: 11\r\nExpect: 100-continue\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 503)
            #expect(response.bodyText == "overloaded")
            #expect(response.header("Connection") == "close")
            #expect(try await client.isClosedByPeer())
            #expect(responder.requestsSeen.withLock { $0 } == 0)
            #expect(server.bodyBudget.reserved == 0)
        }
    }

    @Test func bodyOverTheBudgetIsReadAndDiscardedSoThe503IsNotLostToAReset() async throws {
        var limits = HTTPParserLimits()
        limits.maxBodyBytes = 4 << 20
        try await withServer(HTTPServerConfiguration(limits: limits, maxBufferedBodyBytes: 1000)) { server, responder in
            let client = try LoopbackClient(server.address)
            // Far more than the socket buffers hold: the send completes only if the server
            // keeps reading (and dropping) the body after its answer.
            let body = [UInt8](repeating: 0x7B, count: 2 << 20)
            try await client.send(Array((Self.refundHead + "Content-Length: \(body.count)\r\n\r\n").utf8) + body)
            let response = try await client.readResponse()
            #expect(response.status == 503)
            #expect(try await client.isClosedByPeer())
            #expect(responder.requestsSeen.withLock { $0 } == 0)
        }
    }

    @Test func reservationsAreSharedAcrossConnectionsAndReturnedWhenAnswered() async throws {
        try await withServer(HTTPServerConfiguration(maxBufferedBodyBytes: 15)) { server, _ in
            let holding = try LoopbackClient(server.address)
            // The 100 goes out once the body's 10 bytes are reserved.
            try await holding.send(Self.refundHead + "Content-Length: 10\r\nExpect: 100-continue\r\n\r\n")
            #expect(try await holding.readResponse().status == 100)
            try await holding.send("hello")
            let refused = try LoopbackClient(server.address)
            try await refused.send(Self.refundHead + "Content-Length: 10\r\n\r\nworld12345")
            #expect(try await refused.readResponse().status == 503)
            try await holding.send("world")
            #expect(try await holding.readResponse().bodyText == "POST /refund helloworld")
            #expect(server.bodyBudget.reserved == 0)
            let later = try LoopbackClient(server.address)
            try await later.send(Self.refundHead + "Content-Length: 10\r\n\r\n0123456789")
            #expect(try await later.readResponse().status == 200)
        }
    }

    @Test func chunkedBodyReservesAsItGrowsAndGets503PastTheBudget() async throws {
        try await withServer(HTTPServerConfiguration(maxBufferedBodyBytes: 64)) { server, responder in
            let client = try LoopbackClient(server.address)
            try await client.send(Self.refundHead + "Transfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n")
            try await client.send("50\r\n" + String(repeating: "x", count: 80) + "\r\n0\r\n\r\n")
            #expect(try await client.readResponse().status == 503)
            #expect(responder.requestsSeen.withLock { $0 } == 0)
            #expect(server.bodyBudget.reserved == 0)
        }
    }

    // MARK: Header timeout from accept

    @Test func connectionThatSendsNothingIsClosedSilentlyAtTheHeaderTimeout() async throws {
        try await withServer(HTTPServerConfiguration(requestReadTimeout: 0.2)) { server, _ in
            let client = try LoopbackClient(server.address)
            #expect(try await client.readUntilClosed().isEmpty)
        }
    }

    /// README "Memory and connection slots under abuse": on a kept-alive connection the
    /// header timeout runs from the next request's first byte (the idle timeout here is an
    /// hour, so only the header timeout can answer)...
    @Test func keptAliveConnectionsNextRequestGets408AtTheHeaderTimeoutFromItsFirstByte() async throws {
        try await withServer(HTTPServerConfiguration(requestReadTimeout: 0.2, idleTimeout: 3600)) { server, responder in
            let client = try LoopbackClient(server.address)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().status == 200)
            try await client.send("GET /next HTTP/1.1\r\nHo")
            #expect(try await client.readResponse().status == 408)
            #expect(try await client.isClosedByPeer())
            #expect(responder.requestsSeen.withLock { $0 } == 1)
        }
    }

    /// ...while a kept-alive connection that sends nothing is closed silently by the idle
    /// timeout (the header timeout here is an hour, so only the idle timeout can close it).
    @Test func silentKeptAliveConnectionIsClosedSilentlyByTheIdleTimeout() async throws {
        try await withServer(HTTPServerConfiguration(requestReadTimeout: 3600, idleTimeout: 0.2)) { server, _ in
            let client = try LoopbackClient(server.address)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().status == 200)
            #expect(try await client.readUntilClosed().isEmpty)
        }
    }

    // MARK: Eviction at the connection limit

    @Test func idleKeptAliveConnectionIsClosedToAdmitANewcomer() async throws {
        try await withServer(HTTPServerConfiguration(maxConnections: 1)) { server, _ in
            let idle = try LoopbackClient(server.address)
            try await idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await idle.readResponse().status == 200)
            // The connection counts as idle once its loop has finished the answer, which can
            // be a moment after the client read it; a newcomer accepted in that moment finds
            // it busy and gets 503 (correctly: no connection could be closed then). So a few
            // attempts, each of which either is admitted or is told 503.
            var admitted: ReceivedResponse?
            for _ in 0..<100 where admitted == nil {
                let newcomer = try LoopbackClient(server.address)
                try await newcomer.send("GET /new HTTP/1.1\r\nHost: x\r\n\r\n")
                let response = try await newcomer.readResponse()
                if response.status == 503 { #expect(response.bodyText == "busy") } else { admitted = response }
            }
            #expect(admitted?.bodyText == "GET /new ")
            #expect(try await idle.isClosedByPeer())
        }
    }

    @Test func silentConnectionsAreEvictedOldestFirst() async throws {
        try await withServer(HTTPServerConfiguration(maxConnections: 2, evictableAfterSilence: 0)) { server, _ in
            // The listener accepts in connection order, so the server sees them in this order.
            let oldest = try LoopbackClient(server.address)
            let younger = try LoopbackClient(server.address)
            let newcomer = try LoopbackClient(server.address)
            try await newcomer.send("GET /new HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await newcomer.readResponse().status == 200)
            #expect(try await oldest.readUntilClosed().isEmpty)
            try await younger.send("GET /younger HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await younger.readResponse().bodyText == "GET /younger ")
        }
    }

    @Test func connectionSilentForLessThanTheGraceIsNotEvicted() async throws {
        try await withServer(HTTPServerConfiguration(maxConnections: 1, evictableAfterSilence: 3600)) { server, _ in
            let silent = try LoopbackClient(server.address)
            let newcomer = try LoopbackClient(server.address)
            #expect(try await newcomer.readResponse().status == 503)
            try await silent.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await silent.readResponse().status == 200)
        }
    }
}
