import LoopbackTestSupport
import Testing

@testable import Sidecar

/// `healthcheck` says why a probe failed (issue #17, "What an operator sees"): the status
/// line and body of an answer other than 200, and a silent listener's timeout. The refused
/// connection and the bad URL are covered through the real process in
/// `Tests/ProcessTests/KeyHandlingProcessTests.swift`.
@Suite(.timeLimit(.minutes(1))) struct HealthCheckTests {
    @Test func aNon200AnswerIsReportedWithItsStatusLineAndBody() throws {
        let server = try TestServer { _, connection in
            connection.write(
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\ndraining\n")
            return false
        }
        defer { server.stop() }
        let url = "\(server.baseURL)/readyz"
        #expect(HealthCheck.failure(url: url) == "\(url) answered HTTP/1.1 503 Service Unavailable: draining")
        #expect(!HealthCheck.isHealthy(url: url))
        #expect(server.requests.first?.requestLine == "GET /readyz HTTP/1.1")
    }

    @Test func a200IsHealthy() throws {
        let server = try TestServer { _, connection in
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
            return false
        }
        defer { server.stop() }
        #expect(HealthCheck.failure(url: "\(server.baseURL)/readyz") == nil)
    }

    @Test func aListenerThatNeverAnswersIsATimeout() throws {
        // The handler holds the connection open, silent, until the test stops the server.
        let server = try TestServer { _, connection in
            connection.gate.wait()
            return false
        }
        defer { server.stop() }
        let url = "\(server.baseURL)/readyz"
        #expect(HealthCheck.failure(url: url, timeout: 1) == "\(url): no answer within 1 s")
    }
}
