import Crypto
import Foundation
import FreedomPayJWS
import HTTP1
import HTTPServer
import Logging
import LoopbackTestSupport
import SocketLoop
import Synchronization
import Testing

@testable import Sidecar

let testSecret = "sidecar-test-secret-do-not-leak"
let testMerchant = "123456"
let paymentID = "01978d4f-1a2b-7c3d-8e4f-0123456789ab"

/// Collects log lines written by a `JSONLogHandler`.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    private let level: Logger.Level

    init(level: Logger.Level = .trace) {
        self.level = level
    }

    var all: [String] { lines.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test") { [self] label in
            JSONLogHandler(label: label, level: self.level) { bytes in
                let text = String(decoding: bytes, as: UTF8.self)
                self.lines.withLock { $0.append(contentsOf: text.split(separator: "\n").map(String.init)) }
            }
        }
    }

    /// Every line parsed as a JSON object; a line that is not one fails the test.
    func objects() throws -> [[String: Any]] {
        try all.map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw LoopbackClientError("log line is not a JSON object: \(line)")
            }
            return object
        }
    }
}

/// Runs `body` with a fake Freedom Pay that knows the test secret and merchant, then stops it.
func withFakeFreedomPay<Result>(
    isolation: isolated (any Actor)? = #isolation, _ body: (FakeFreedomPayServer, FakeFreedomPay) async throws -> Result
) async throws -> Result {
    try await withFakeFreedomPay(secret: testSecret, merchantID: testMerchant) { try await body($0, $1) }
}

func upstreamURL(_ server: HTTPServer) -> String { "http://\(server.address)" }
func upstreamURL(_ server: FakeFreedomPayServer) -> String { "http://\(server.address)" }

/// Runs `body` with a sidecar on ephemeral loopback ports and an inline test key, then
/// shuts it down whether `body` returns or throws. On return it also expects that every
/// connection drained and that neither listener has a connection left.
func withSidecar<Result>(
    upstream: String, logs: LogCapture = LogCapture(), configure: (inout SidecarConfiguration) -> Void = { _ in },
    isolation: isolated (any Actor)? = #isolation, _ body: (Sidecar) async throws -> Result
) async throws -> Result {
    var configuration = SidecarConfiguration()
    configuration.listen = "127.0.0.1:0"
    configuration.adminListen = "127.0.0.1:0"
    configuration.upstream = upstream == "sandbox" ? .sandbox : .url(upstream)
    configuration.authID = testMerchant
    configuration.key = .inline(Array(testSecret.utf8))
    configure(&configuration)
    let sidecar = try buildSidecar(configuration: configuration, logger: logs.logger)
    sidecar.start()
    let result: Result
    do {
        result = try await body(sidecar)
    } catch {
        await shutDownAndClose(sidecar)
        throw error
    }
    #expect(await shutDownAndClose(sidecar), "every connection drained")
    #expect(sidecar.proxyServer.openConnectionCount == 0)
    #expect(sidecar.adminServer.openConnectionCount == 0)
    #expect(sidecar.callbackServer?.openConnectionCount ?? 0 == 0)
    return result
}

/// `Sidecar.shutdown()`, then closes whatever a drain that timed out left open.
@discardableResult
private func shutDownAndClose(_ sidecar: Sidecar) async -> Bool {
    let drained = await sidecar.shutdown()
    if !drained {
        await sidecar.proxyServer.stop()
        await sidecar.callbackServer?.stop()
    }
    return drained
}

/// A refund as raw bytes. A refund needs `Idempotency-Key` or `X-Request-Id` (else 428):
/// `idempotencyKey` is a fresh key by default; pass nil when `extraHeaders` carries the id
/// (or to send none at all).
func refundRequest(
    body: String = #"{"id":"\#(paymentID)","amount":100}"#, idempotencyKey: String? = "test-\(UUID().uuidString)",
    extraHeaders: String = ""
) -> String {
    let key = idempotencyKey.map { "Idempotency-Key: \($0)\r\n" } ?? ""
    return
        "POST /v5/g2g/edit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\(key)\(extraHeaders)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
}
