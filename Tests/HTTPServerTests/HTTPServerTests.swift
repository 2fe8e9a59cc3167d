import Foundation
import HTTP1
import LoopbackTestSupport
import SocketLoop
import Synchronization
import Testing

@testable import HTTPServer

/// Echoes method, target and body; requests to `/gate` wait until the test opens the gate.
final class EchoResponder: AsyncHTTPResponder {
    let gate = Gate()
    let requestsSeen = Mutex(0)

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        requestsSeen.withLock { $0 += 1 }
        if request.head.target == "/gate" { await gate.wait() }
        if request.head.target == "/big" { return HTTPResponse(status: 200, body: [UInt8](repeating: 0x61, count: 512 * 1024)) }
        let text = "\(request.head.method) \(request.head.target) " + String(decoding: request.body, as: UTF8.self)
        return HTTPResponse(status: 200, headers: [HTTPHeader(name: "X-Echo", value: "1")], body: Array(text.utf8))
    }

    /// A head for `/refuse` is answered 428 instead of `100 Continue`.
    func responseBeforeContinue(to head: HTTPRequestHead, loop: EventLoop) -> HTTPResponse? {
        #expect(loop.inEventLoop)
        return head.target == "/refuse" ? HTTPResponse(status: 428, body: Array("refused".utf8)) : nil
    }

    func response(for failure: HTTPServerFailure) -> HTTPResponse {
        switch failure {
        case .requestTimedOut: HTTPResponse(status: 408, body: Array("timeout".utf8))
        case .tooManyConnections: HTTPResponse(status: 503, body: Array("busy".utf8))
        case .overloaded: HTTPResponse(status: 503, body: Array("overloaded".utf8))
        case .malformed(let error): HTTPResponse(status: error.status, body: Array(error.code.utf8))
        }
    }
}

/// Holds requests to `/gate` until the test opens it; `entered` tells the test one arrived.
final class Gate: Sendable {
    let entered = Latch()
    private let opened = Latch()

    func wait() async {
        entered.open()
        await opened.wait()
    }

    func open() { opened.open() }
}

/// Runs `body` with an echo server, then stops it (closing every connection) whether
/// `body` returns or throws.
func withServer<Result>(
    _ configuration: HTTPServerConfiguration = HTTPServerConfiguration(), address: String = "127.0.0.1:0",
    isolation: isolated (any Actor)? = #isolation, _ body: (HTTPServer, EchoResponder) async throws -> Result
) async throws -> Result {
    let responder = EchoResponder()
    let server = HTTPServer(
        listener: try Listener(address: try ListenAddress(parsing: address)), configuration: configuration, responder: responder)
    return try await withStartedServer(server) { try await body($0, responder) }
}

@Suite(.timeLimit(.minutes(1))) struct HTTPServerTests {
    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        try await withServer { server, _ in
            let client = try LoopbackClient(server.address)
            for index in 0..<3 {
                try await client.send("POST /a\(index) HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(response.bodyText == "POST /a\(index) abc")
                #expect(response.header("Connection") == nil)
            }
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withServer { server, _ in
            let client = try LoopbackClient(server.address)
            try await client.send(
                "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhiGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            #expect(try await client.readResponse().bodyText == "GET /1 ")
            #expect(try await client.readResponse().bodyText == "POST /2 hi")
            let last = try await client.readResponse()
            #expect(last.bodyText == "GET /3 ")
            #expect(last.header("Connection") == "close")
            #expect(try await client.isClosedByPeer())
        }
    }

    @Test func halfClosedClientStillGetsEveryPipelinedAnswer() async throws {
        try await withServer { server, _ in
            let client = try LoopbackClient(server.address)
            try await client.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
            client.finishSending()
            #expect(try await client.readResponse().bodyText == "GET /1 ")
            #expect(try await client.readResponse().bodyText == "GET /2 ")
            #expect(try await client.isClosedByPeer())
        }
    }

    @Test func largePipelinedResponsesWaitForTheReaderAndAllArrive() async throws {
        try await withServer { server, responder in
            let client = try LoopbackClient(server.address)
            try await client.send(
                String(repeating: "GET /big HTTP/1.1\r\nHost: x\r\n\r\n", count: 3) + "GET /last HTTP/1.1\r\nHost: x\r\n\r\n")
            for _ in 0..<3 {
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(response.body.count == 512 * 1024)
            }
            #expect(try await client.readResponse().bodyText == "GET /last ")
            #expect(responder.requestsSeen.withLock { $0 } == 4)
        }
    }

    @Test func chunkedBodyIsDecoded() async throws {
        try await withServer { server, _ in
            let client = try LoopbackClient(server.address)
            try await client.send(
                "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nTrailer: t\r\n\r\n")
            #expect(try await client.readResponse().bodyText == "POST /c abcde")
        }
    }

    @Test func expectContinueGets100BeforeTheBodyIsSent() async throws {
        try await withServer { server, _ in
            let client = try LoopbackClient(server.address)
            try await client.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            let interim = try await client.readResponse()
            #expect(interim.status == 100)
            try await client.send("body")
            let final = try await client.readResponse()
            #expect(final.status == 200)
            #expect(final.bodyText == "POST /e body")
        }
    }

    @Test func oversizedBodyIsRefusedBefore100Continue() async throws {
        try await withServer { server, responder in
            let client = try LoopbackClient(server.address)
            try await client.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\nExpect: 100-continue\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 413)
            #expect(response.header("Connection") == "close")
            #expect(try await client.isClosedByPeer())
            #expect(responder.requestsSeen.withLock { $0 } == 0)
        }
    }

    @Test func aHeadTheResponderRefusesIsAnsweredInsteadOf100ContinueAndItsBodyIsNeverRead() async throws {
        try await withServer { server, responder in
            let client = try LoopbackClient(server.address)
            try await client.send("POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 428)
            #expect(response.bodyText == "refused")
            #expect(response.header("Connection") == "close")
            #expect(try await client.isClosedByPeer())
            #expect(responder.requestsSeen.withLock { $0 } == 0)

            // Without Expect the body is already on its way: the request is answered as usual.
            let plain = try LoopbackClient(server.address)
            try await plain.send("POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody")
            #expect(try await plain.readResponse().bodyText == "POST /refuse body")
        }
    }

    @Test func malformedRequestGets400AndClose() async throws {
        try await withServer { server, responder in
            let client = try LoopbackClient(server.address)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 400)
            #expect(response.header("Connection") == "close")
            #expect(try await client.isClosedByPeer())
            #expect(responder.requestsSeen.withLock { $0 } == 0)
        }
    }

    @Test func incompleteRequestTimesOutWith408() async throws {
        try await withServer(HTTPServerConfiguration(requestReadTimeout: 0.2)) { server, responder in
            let client = try LoopbackClient(server.address)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Len")
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(try await client.isClosedByPeer())
            #expect(responder.requestsSeen.withLock { $0 } == 0)
        }
    }

    @Test func idleConnectionIsClosedSilently() async throws {
        // The server's only loop is held until the request is on the socket, so the connection
        // starts (and its 0.2 s idle timer with it) only once the request is there: connect and
        // send cannot race the timer however loaded the machine is.
        let loops = try EventLoopGroup(count: 1)
        let held = BlockingGate()
        let server = HTTPServer(
            listener: try Listener(address: .tcp(host: "127.0.0.1", port: 0)), configuration: HTTPServerConfiguration(idleTimeout: 0.2),
            loops: loops, responder: EchoResponder())
        try await withStartedServer(server) { server in
            loops.loops[0].execute { held.wait() }
            let client = try LoopbackClient(server.address)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            held.open()
            #expect(try await client.readResponse().status == 200)
            #expect(try await client.isClosedByPeer())
        }
    }

    @Test func drainFinishesTheRequestInFlightThenStops() async throws {
        try await withServer { server, responder in
            let busy = try LoopbackClient(server.address)
            let idle = try LoopbackClient(server.address)
            try await idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await idle.readResponse().status == 200)
            try await busy.send("GET /gate HTTP/1.1\r\nHost: x\r\n\r\n")
            await responder.gate.entered.wait()
            let drained = Latch()
            server.drain { drained.open() }
            #expect(try await idle.isClosedByPeer())
            #expect(throws: (any Error).self) { try LoopbackClient(server.address) }
            responder.gate.open()
            let response = try await busy.readResponse()
            #expect(response.status == 200)
            #expect(response.header("Connection") == "close")
            await drained.wait()
            #expect(server.openConnectionCount == 0)
        }
    }

    @Test func connectionsBeyondTheLimitAreClosedWhenNoneIsIdleOrSilent() async throws {
        try await withServer(HTTPServerConfiguration(maxConnections: 1)) { server, responder in
            let first = try LoopbackClient(server.address)
            try await first.send("GET /gate HTTP/1.1\r\nHost: x\r\n\r\n")
            await responder.gate.entered.wait()
            let second = try LoopbackClient(server.address)
            let rejected = try await second.readResponse()
            #expect(rejected.status == 503)
            #expect(rejected.header("Connection") == "close")
            #expect(try await second.isClosedByPeer())
            responder.gate.open()
            #expect(try await first.readResponse().status == 200)
        }
    }

    /// End to end: a message llhttp rejects never reaches the application; only the
    /// messages llhttp completed before the error may.
    @Test func llhttpRejectedMessagesNeverReachTheResponder() async throws {
        let rejected = try LLHTTPCases.load().filter { if case .rejected = $0.verdict { true } else { false } }
        #expect(rejected.count > 40)
        for conformanceCase in rejected {
            try await withServer { server, responder in
                let client = try LoopbackClient(server.address)
                try await client.send(conformanceCase.input)
                client.finishSending()
                _ = try await client.readUntilClosed()
                #expect(responder.requestsSeen.withLock { $0 } <= conformanceCase.completedMessages.count, "\(conformanceCase.name)")
            }
        }
    }

    @Test func unixSocketListenerServesWithRestrictedMode() async throws {
        let path = NSTemporaryDirectory() + "http-server-\(UUID().uuidString.prefix(8)).sock"
        try await withServer(address: "unix:" + path) { server, _ in
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == 0o660)
            let client = try LoopbackClient(server.address)
            try await client.send("GET /u HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().bodyText == "GET /u ")
            let drained = Latch()
            server.drain { drained.open() }
            await drained.wait()
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    /// The scoped helper itself: a body that throws still gets its server stopped.
    @Test func withServerStopsTheServerWhenTheBodyThrows() async throws {
        let started = Mutex<HTTPServer?>(nil)
        await #expect(throws: LoopbackClientError.self) {
            try await withServer { server, _ in
                started.withLock { $0 = server }
                let client = try LoopbackClient(server.address)
                try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await client.readResponse().status == 200)
                throw LoopbackClientError("the body failed")
            }
        }
        let server = try #require(started.withLock { $0 })
        #expect(server.openConnectionCount == 0)
        #expect(throws: (any Error).self) { try LoopbackClient(server.address) }
    }
}
