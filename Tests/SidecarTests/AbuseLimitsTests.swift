import Foundation
import LoopbackTestSupport
import Testing

@testable import Sidecar

/// Issue #16 through the sidecar's own settings: the admin listener's connection limit and
/// the request body budget.
@Suite(.timeLimit(.minutes(1))) struct AbuseLimitsTests {
    @Test func theNewSettingsPassThroughTheFile() throws {
        let path = NSTemporaryDirectory() + "sidecar-abuse-limits-\(UUID().uuidString)"
        try #"{"maxAdminConnections":3,"maxBufferedBodyBytes":1000}"#.write(toFile: path, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = ConfigurationLoader.read(arguments: ["--config", path], environment: [:])
        #expect(loaded.errors == [])
        #expect(loaded.configuration.maxAdminConnections == 3)
        #expect(loaded.configuration.maxBufferedBodyBytes == 1000)
        let defaults = SidecarConfiguration()
        #expect(defaults.maxAdminConnections == 64 && defaults.maxBufferedBodyBytes == 16 << 20)
    }

    @Test func aProbeOverTheAdminLimitClosesTheOldestIdleConnection() async throws {
        try await withSidecar(upstream: "sandbox", configure: { $0.maxAdminConnections = 2 }) { sidecar in
            let oldest = try LoopbackClient(sidecar.adminAddress)
            let younger = try LoopbackClient(sidecar.adminAddress)
            for client in [oldest, younger] {
                try await client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await client.readResponse().status == 200)
            }
            let probe = try LoopbackClient(sidecar.adminAddress)
            try await probe.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await probe.readResponse().status == 200)
            #expect(try await oldest.isClosedByPeer())
            try await younger.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await younger.readResponse().status == 200)
        }
    }

    @Test func aRefundWhoseBodyDoesNotFitTheBudgetGets503OverloadedBefore100Continue() async throws {
        try await withSidecar(upstream: "sandbox", configure: { $0.maxBufferedBodyBytes = 16 }) { sidecar in
            let client = try LoopbackClient(sidecar.address)
            let body = #"{"id":"\#(paymentID)","amount":100}"#
            try await client.send(
                "POST /v5/g2g/edit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Idempotency-Key: abuse-limits-1\r\nExpect: 100-continue\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 503)
            #expect(response.header("X-Sidecar-Error") == "overloaded")
            #expect(response.bodyText.contains(#""code":"overloaded""#))
            #expect(try await client.isClosedByPeer())
        }
    }
}
