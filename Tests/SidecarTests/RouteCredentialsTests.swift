import Foundation
import FreedomPayJWS
import HTTP1
import LoopbackTestSupport
import Testing

@testable import Sidecar

/// Routes with their own merchant id, algorithm, key file, key id and header layout.
@Suite(.timeLimit(.minutes(1))) struct RouteCredentialsTests {
    static let invoicePath = "/v5/merchant/invoice/init"
    static let invoiceBody = #"{"order_id":"A-1","amount":100}"#

    func keyFile(_ contents: String) throws -> String {
        let path = NSTemporaryDirectory() + "route-key-\(UUID().uuidString)"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(contents.utf8), attributes: [.posixPermissions: 0o600]))
        return path
    }

    func routes(invoiceKey: String) -> RouteTable {
        RouteTable([
            .refund,
            Route(
                path: Self.invoicePath, defaultAction: "invoice.init", headerLayout: .invoice,
                credentials: RouteCredentials(authID: "777", algorithm: .hs512, key: .file(path: invoiceKey), keyID: "inv-1")),
        ])
    }

    func post(_ client: LoopbackClient, path: String, body: String, headers: String = "") async throws -> ReceivedResponse {
        try await client.send(
            "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        )
        return try await client.readResponse()
    }

    @Test func eachRouteIsSignedWithItsOwnCredentialsAndRotatedKey() async throws {
        let invoiceSecret = String(repeating: "i", count: 64)
        let path = try keyFile(invoiceSecret)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream), configure: { $0.routes = routes(invoiceKey: path) }) { sidecar in
                #expect(sidecar.routeKeyStores.count == 1)
                let client = try LoopbackClient(sidecar.address)
                _ = try await post(
                    client, path: "/v5/g2g/edit", body: #"{"id":"\#(paymentID)","amount":100}"#, headers: "Idempotency-Key: refund-1\r\n")
                _ = try await post(client, path: Self.invoicePath, body: Self.invoiceBody, headers: "Idempotency-Key: order-1\r\n")

                let requests = fake.requests
                #expect(requests.count == 2)
                #expect(requests[0].signatureValid, "the main route keeps the main credentials")
                let invoice = requests[1]
                let signature = try #require(invoice.header("X-JWS-Signature"))
                let invoiceHeader =
                    #"{"path":"/v5/merchant/invoice/init","merchant_id":777,"method":"POST","params":"","alg":"HS512","kid":"inv-1"}"#
                #expect(IndependentJWS.verifiedHeader(signature, body: invoice.body, secret: invoiceSecret) == invoiceHeader)
                #expect(
                    invoice.header("X-Request-Id")
                        == "25e6ec61-0356-80cb-8d6b-fd6a273b7908",  // Python, as RequestIDPolicyTests.idempotencyKeyKnownAnswer
                    "the Idempotency-Key id is derived with the route's own auth id")

                // Rotation: the route's key file is reloaded like the main one.
                let rotated = String(repeating: "r", count: 64)
                try Data(rotated.utf8).write(to: URL(fileURLWithPath: path))
                sidecar.reloadKey(onlyIfChanged: true, reason: "test")
                _ = try await post(client, path: Self.invoicePath, body: Self.invoiceBody, headers: "Idempotency-Key: order-2\r\n")
                let after = try #require(fake.requests.last)
                let afterSignature = try #require(after.header("X-JWS-Signature"))
                #expect(IndependentJWS.verifiedHeader(afterSignature, body: after.body, secret: rotated) == invoiceHeader)
                #expect(
                    IndependentJWS.verifiedHeader(afterSignature, body: after.body, secret: invoiceSecret) == nil,
                    "the old key no longer signs")
            }
        }
    }

    @Test func aRouteKeyIsCheckedAtStartUpLikeTheMainOne() throws {
        var configuration = SidecarConfiguration()
        configuration.upstream = .sandbox
        configuration.authID = testMerchant
        configuration.key = .inline(Array(testSecret.utf8))
        configuration.routes = routes(invoiceKey: "/nonexistent/route-key")
        let problems = configurationProblems(configuration)
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("route /v5/merchant/invoice/init: key file /nonexistent/route-key") == true, "\(problems)")

        configuration.routes = RouteTable([Route(path: "/v5/merchant/invoice/init", defaultAction: "invoice.init", headerLayout: .invoice)])
        configuration.authID = "merchant-a"
        #expect(
            configurationProblems(configuration) == [
                "route /v5/merchant/invoice/init: the invoice header layout signs a numeric merchant_id; merchant id 'merchant-a' is not a number"
            ])
    }

    @Test func routesWithTheSameKeyShareOneStore() throws {
        let path = try keyFile(String(repeating: "s", count: 64))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let main = try KeyStore(source: .inline(Array(testSecret.utf8)), algorithm: .hs256)
        let own = RouteCredentials(key: .file(path: path))
        let keys = try RouteKeys(
            routes: RouteTable([
                .refund, Route(path: "/a", defaultAction: "x", credentials: own), Route(path: "/b", defaultAction: "x", credentials: own),
                Route(path: "/c", defaultAction: "x", credentials: RouteCredentials(algorithm: .hs512)),
            ]), main: main)
        #expect(keys.extra.count == 2, "one store for /a and /b, one for the main key with HS512")
        #expect(keys.byPath["/v5/g2g/edit"] == nil)
        #expect(keys.byPath["/a"] === keys.byPath["/b"])
        #expect(keys.byPath["/c"]?.algorithm == .hs512)
    }
}

@Suite struct RouteCredentialsReportTests {
    @Test func checkConfigWarnsAboutAndChecksRouteKeys() throws {
        let directory = NSTemporaryDirectory() + "route-report-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let weak = directory + "/weak"
        #expect(FileManager.default.createFile(atPath: weak, contents: Data("short".utf8), attributes: [.posixPermissions: 0o644]))
        let config = directory + "/config.json"
        try #"""
        {"routes": [
          {"path": "/v5/g2g/edit", "defaultAction": "gateway.payment.refund"},
          {"path": "/weak", "defaultAction": "x", "credentials": {"keyFile": "\#(weak)"}},
          {"path": "/missing", "defaultAction": "x", "credentials": {"keyFile": "\#(directory)/absent", "alg": "HS512"}}
        ]}
        """#.write(toFile: config, atomically: true, encoding: .utf8)
        let loaded = ConfigurationLoader.read(
            arguments: ["--config", config, "--upstream", "sandbox", "--auth-id", "1"], environment: ["FREEDOMPAY_KEY": testSecret])
        let report = ConfigurationReport(loaded, environment: [:])
        #expect(
            report.warnings.contains { $0.hasPrefix("route /weak key file \(weak) is readable by others (mode 644") }, "\(report.warnings)")
        #expect(
            report.warnings.contains { $0 == "route /weak key for HS256 is 5 bytes; RFC 7518 §3.2 asks for at least 32" },
            "\(report.warnings)")
        #expect(report.errors.count == 1, "\(report.errors)")
        #expect(report.errors.first?.hasPrefix("route /missing: key file \(directory)/absent") == true, "\(report.errors)")
        #expect(
            report.text.contains(
                "route /missing: default x; actions x (json-object, idempotency required); header gateway; alg HS512; key file \(directory)/absent"
            ))
    }
}
