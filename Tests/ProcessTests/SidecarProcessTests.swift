import Foundation
import FreedomPayJWS
import HTTP1
import LoopbackTestSupport
import SocketLoop
import Testing

private let secret = "process-test-secret-never-logged"
private let merchant = "123456"
private let payment = "01978d4f-1a2b-7c3d-8e4f-0123456789ab"

private func refund(_ address: ListenAddress, id: String) async throws -> ReceivedResponse {
    let client = try LoopbackClient(address)
    let body = #"{"id":"\#(payment)","amount":100}"#
    try await client.send(
        "POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Request-Id: \(id)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    )
    return try await client.readResponse()
}

private func adminGet(_ address: ListenAddress, _ path: String) async throws -> ReceivedResponse {
    let client = try LoopbackClient(address)
    try await client.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
    return try await client.readResponse()
}

private func serveArguments(keyFile: URL, upstream: String, listen: String = "127.0.0.1:0") -> [String] {
    [
        "serve", "--listen", listen, "--admin-listen", "127.0.0.1:0", "--upstream", upstream, "--auth-id", merchant, "--key-file",
        keyFile.path, "--log-level", "trace",
    ]
}

/// Real processes: start-up checks, signals, key rotation, drain, logs, CLI subcommands.
@Suite(.serialized, .timeLimit(.minutes(1))) struct SidecarProcessTests {
    @Test func refusesToStartWithoutAnExplicitUpstream() async throws {
        let dir = try makeTemporaryDirectory()
        let key = dir.appendingPathComponent("key")
        try writeKey(secret, to: key)
        let arguments = [
            "serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--auth-id", merchant, "--key-file", key.path,
        ]
        try await withSidecarProcess(arguments: arguments) { sidecar in
            #expect(await sidecar.waitForExit() == 1)
            let line = try #require(sidecar.stdoutLines.first { $0.contains("cannot start") }, "\(sidecar.stdoutLines)")
            #expect(line.contains("--upstream sandbox") && line.contains("FREEDOMPAY_UPSTREAM"), "\(line)")
        }
    }

    @Test func refusesToStartWithABadKey() async throws {
        let dir = try makeTemporaryDirectory()
        let cases: [(String, (URL) throws -> Void, String, String)] = [
            ("missing", { _ in }, "HS256", "No such file"),
            ("empty", { try writeKey("\n", to: $0) }, "HS256", "empty"),
            ("writable by others", { try writeKey(secret, to: $0, mode: 0o666) }, "HS256", "writable by group or others"),
            (
                "malformed PEM", { try writeKey("-----BEGIN EC PRIVATE KEY-----\n\(secret)\n-----END EC PRIVATE KEY-----\n", to: $0) },
                "ES256", "not a valid PEM"
            ),
        ]
        for (name, prepare, alg, reason) in cases {
            let key = dir.appendingPathComponent(name.replacingOccurrences(of: " ", with: "-"))
            try prepare(key)
            try await withSidecarProcess(arguments: serveArguments(keyFile: key, upstream: "sandbox") + ["--alg", alg]) { sidecar in
                #expect(await sidecar.waitForExit() == 1, "\(name)")
                let line = try #require(sidecar.stdoutLines.first { $0.contains("cannot start") }, "\(name): \(sidecar.stdoutLines)")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                #expect(object["level"] as? String == "critical")
                #expect((object["error"] as? String)?.contains(reason) == true, "\(name): \(line)")
                #expect(!(sidecar.stdoutLines.joined() + sidecar.standardError).contains(secret))
            }
        }
    }

    @Test func aRouteKeyFileInItsOwnDirectoryIsWatchedAndRotated() async throws {
        try await withFakeFreedomPay(secret: secret, merchantID: merchant) { upstream, fake in
            let dir = try makeTemporaryDirectory()
            let mainKey = dir.appendingPathComponent("main-key")
            try writeKey(secret, to: mainKey)
            let routeDir = dir.appendingPathComponent("route-keys")
            try FileManager.default.createDirectory(at: routeDir, withIntermediateDirectories: true)
            let routeKey = routeDir.appendingPathComponent("read-key")
            try writeKey(String(repeating: "a", count: 48), to: routeKey)
            let config = dir.appendingPathComponent("config.json")
            try #"""
            {"routes": [
              {"path": "/v5/g2g/edit", "defaultAction": "gateway.payment.refund"},
              {"path": "/v5/g2g/read", "defaultAction": "gateway.payment.status", "credentials": {"keyFile": "\#(routeKey.path)"}}
            ]}
            """#.write(to: config, atomically: true, encoding: .utf8)

            let arguments = serveArguments(keyFile: mainKey, upstream: "http://\(upstream.address)") + ["--config", config.path]
            try await withSidecarProcess(arguments: arguments) { sidecar in
                let address = try await sidecar.startedAddress("listen")
                // Replace the route's key file (write elsewhere, rename over it): only inotify on its directory sees this.
                let rotated = String(repeating: "b", count: 48)
                let staged = routeDir.appendingPathComponent("staged")
                try writeKey(rotated, to: staged)
                #expect(rename(staged.path, routeKey.path) == 0)
                let line = await sidecar.waitForLine(containing: "signing key reloaded")
                #expect(line?.contains(routeKey.path) == true, "\(sidecar.stdoutLines)")

                let client = try LoopbackClient(address)
                let body = #"{"id":"\#(payment)"}"#
                try await client.send(
                    "POST /v5/g2g/read HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                )
                _ = try await client.readResponse()
                let forwarded = try #require(fake.requests.last)
                #expect(forwarded.target == "/v5/g2g/read")
                // Checked by IndependentJWS (no FreedomPayJWS code), against the header as a literal.
                #expect(
                    IndependentJWS.verifiedHeader(try #require(forwarded.header("X-JWS-Signature")), body: forwarded.body, secret: rotated)
                        == #"{"uri":"/v5/g2g/read","auth_id":"123456","method":"POST","params":"","alg":"HS256"}"#)
                #expect(try await refund(address, id: "00000000-0000-4000-8000-000000000009").status == 200, "the main key is unchanged")
            }
        }
    }

    @Test func sighupAndFileReplacementRotateTheKeyAndABadKeyKeepsTheOldOne() async throws {
        try await withFakeFreedomPay(secret: secret, merchantID: merchant) { upstream, fake in
            // Kubernetes layout: key -> ..data/key, ..data -> ..v1; rotation swaps ..data atomically.
            let dir = try makeTemporaryDirectory()
            let fm = FileManager.default
            try fm.createDirectory(at: dir.appendingPathComponent("..v1"), withIntermediateDirectories: true)
            try writeKey(secret + "\n", to: dir.appendingPathComponent("..v1/key"))
            try fm.createSymbolicLink(atPath: dir.appendingPathComponent("..data").path, withDestinationPath: "..v1")
            try fm.createSymbolicLink(atPath: dir.appendingPathComponent("key").path, withDestinationPath: "..data/key")
            let keyFile = dir.appendingPathComponent("key")

            try await withSidecarProcess(arguments: serveArguments(keyFile: keyFile, upstream: "http://\(upstream.address)")) { sidecar in
                let address = try await sidecar.startedAddress("listen")
                let admin = try await sidecar.startedAddress("admin_listen")
                #expect(try await refund(address, id: "00000000-0000-4000-8000-000000000001").status == 200)

                // 1. File replacement: a new ..v2 directory and an atomic swap of ..data.
                let rotated = "rotated-secret-after-swap"
                try fm.createDirectory(at: dir.appendingPathComponent("..v2"), withIntermediateDirectories: true)
                try writeKey(rotated + "\n", to: dir.appendingPathComponent("..v2/key"))
                try fm.createSymbolicLink(atPath: dir.appendingPathComponent("..data_tmp").path, withDestinationPath: "..v2")
                #expect(rename(dir.appendingPathComponent("..data_tmp").path, dir.appendingPathComponent("..data").path) == 0)
                #expect(await sidecar.waitForLine(containing: "key file changed") != nil)
                let afterSwap = try await refund(address, id: "00000000-0000-4000-8000-000000000002")
                #expect(afterSwap.status == 401, "the fake still expects the old key, so a new signature fails there")
                let forwarded = try #require(fake.requests.last)
                // Checked by IndependentJWS (no FreedomPayJWS code): signed with the new key only.
                let signature = try #require(forwarded.header("X-JWS-Signature"))
                #expect(
                    IndependentJWS.verifiedHeader(signature, body: forwarded.body, secret: rotated)
                        == #"{"uri":"/v5/g2g/edit","auth_id":"123456","method":"POST","params":"","alg":"HS256"}"#)
                #expect(IndependentJWS.verifiedHeader(signature, body: forwarded.body, secret: secret) == nil)

                // 2. SIGHUP after an in-place rewrite back to the original key.
                try writeKey(secret + "\n", to: dir.appendingPathComponent("..v2/key"))
                let before = sidecar.stdoutLines.count
                sidecar.signal(SIGHUP)
                #expect(
                    await sidecar.waitForLine(containing: #""reason":"SIGHUP""#, after: before)?.contains("signing key reloaded") == true)
                #expect(try await refund(address, id: "00000000-0000-4000-8000-000000000003").status == 200)

                // 3. A bad new key is reported and counted; the previous key keeps signing.
                try writeKey("", to: dir.appendingPathComponent("..v2/key"))
                let beforeBad = sidecar.stdoutLines.count
                sidecar.signal(SIGHUP)
                let failure = await sidecar.waitForLine(containing: "signing key reload failed", after: beforeBad)
                #expect(failure?.contains("empty") == true)
                #expect(try await refund(address, id: "00000000-0000-4000-8000-000000000004").status == 200)
                let metrics = try await adminGet(admin, "/metrics").bodyText
                #expect(metrics.contains(#"freedompay_sidecar_key_reloads_total{result="success"} 2"#))
                #expect(metrics.contains(#"freedompay_sidecar_key_reloads_total{result="failure"} 1"#))

                sidecar.signal(SIGTERM)
                #expect(await sidecar.waitForExit() == 0)
                for line in sidecar.stdoutLines {
                    #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "not JSON: \(line)")
                    #expect(!line.contains(secret) && !line.contains(rotated))
                }
            }
        }
    }

    @Test func sigtermDrainsTheRequestInFlightThenExitsZero() async throws {
        try await withFakeFreedomPay(secret: secret, merchantID: merchant) { upstream, fake in
            fake.holdRequests.withLock { $0 = true }
            let dir = try makeTemporaryDirectory()
            let keyFile = dir.appendingPathComponent("key")
            try writeKey(secret, to: keyFile)
            try await withSidecarProcess(arguments: serveArguments(keyFile: keyFile, upstream: "http://\(upstream.address)")) { sidecar in
                let address = try await sidecar.startedAddress("listen")
                let admin = try await sidecar.startedAddress("admin_listen")

                async let inFlight = refund(address, id: "00000000-0000-4000-8000-0000000000d1")
                await fake.arrived.wait()
                sidecar.signal(SIGTERM)
                #expect(await sidecar.waitForLine(containing: "draining") != nil)
                #expect(try await adminGet(admin, "/readyz").status == 503)
                #expect(throws: (any Error).self) { try LoopbackClient(address) }
                fake.release.open()
                let response = try await inFlight
                #expect(response.status == 200)
                #expect(response.header("Connection") == "close")
                #expect(await sidecar.waitForExit() == 0)
                #expect(sidecar.stdoutLines.last?.contains(#""message":"stopped""#) == true)
            }
        }
    }

    /// README, "Shutdown": a client that never reads a large answer keeps its connection
    /// busy; SIGTERM then waits `drainTimeoutSeconds`, logs "drain timed out; open
    /// connections were abandoned", logs "stopped" with drained false, and exits 0. The client
    /// has the status line and part of the body, then the connection ends: fewer bytes than
    /// Content-Length, which it must treat as no answer.
    @Test func drainRunningOutAbandonsAClientThatNeverReadsLogsItAndExitsZero() async throws {
        try await withFakeFreedomPay(secret: secret, merchantID: merchant) { upstream, fake in
            // 4 MiB, the upstream client's answer limit: with the client's receive buffer capped
            // at 4 KiB, the sidecar's socket takes about 2.7 MiB of it here (tcp_wmem's 4 MiB
            // maximum, counted with overhead), so the rest stays queued in the sidecar.
            let body = Array("{\"a\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: (4 << 20) - 8) + Array("\"}".utf8)
            fake.reply.withLock {
                $0 = HTTPResponse(status: 200, headers: [HTTPHeader(name: "Content-Type", value: "application/json")], body: body)
            }
            let dir = try makeTemporaryDirectory()
            let keyFile = dir.appendingPathComponent("key")
            try writeKey(secret, to: keyFile)
            let arguments =
                serveArguments(keyFile: keyFile, upstream: "http://\(upstream.address)") + [
                    "--upstream-timeout", "5", "--drain-timeout", "6",
                ]
            try await withSidecarProcess(arguments: arguments) { sidecar in
                let address = try await sidecar.startedAddress("listen")
                guard case .tcp(_, let port) = address else { throw LoopbackClientError("not TCP: \(address)") }
                let client = try LoopbackClient(tcpPort: port, receiveBufferBytes: 4096)
                let request = #"{"id":"\#(payment)","amount":100}"#
                try await client.send(
                    "POST /v5/g2g/edit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: drain-1\r\nContent-Length: \(request.utf8.count)\r\n\r\n\(request)"
                )
                // The request line is logged as the answer is handed to the connection.
                let logged = await sidecar.waitForLine(containing: #""message":"request""#)
                #expect(logged?.contains(#""status":200"#) == true, "\(logged ?? "no request line")")

                sidecar.signal(SIGTERM)
                let timedOut = await sidecar.waitForLine(containing: "drain timed out; open connections were abandoned")
                #expect(timedOut?.contains("drain_timeout_seconds") == true, "\(sidecar.stdoutLines.suffix(8))")
                #expect(await sidecar.waitForExit() == 0, "a requested stop exits 0 even when the drain ran out")
                let stopped = sidecar.stdoutLines.last { $0.contains(#""message":"stopped""#) }
                #expect(
                    stopped?.contains(#""drained":"false""#) == true || stopped?.contains(#""drained":false"#) == true,
                    "\(stopped ?? "none")")

                // What the client that never read sees now.
                let received = try await client.readUntilClosed()
                let head = Array("HTTP/1.1 200 ".utf8)
                #expect(received.starts(with: head), "\(String(decoding: received.prefix(80), as: UTF8.self))")
                let text = String(decoding: received.prefix(512), as: UTF8.self)
                #expect(text.contains("Content-Length: \(body.count)\r\n") || text.contains("content-length: \(body.count)\r\n"))
                let headLength = (text.range(of: "\r\n\r\n").map { text.utf8.distance(from: text.startIndex, to: $0.upperBound) }) ?? 0
                #expect(headLength > 0)
                #expect(
                    received.count - headLength < body.count,
                    "the answer is cut short: \(received.count - headLength) of \(body.count) body bytes")
            }
        }
    }

    @Test func unixSocketListenerWithOwnerAndGroupOnlyMode() async throws {
        let dir = try makeTemporaryDirectory()
        let keyFile = dir.appendingPathComponent("key")
        try writeKey(secret, to: keyFile)
        let socketPath = dir.appendingPathComponent("sidecar.sock").path
        try await withSidecarProcess(arguments: serveArguments(keyFile: keyFile, upstream: "sandbox", listen: "unix:" + socketPath)) {
            sidecar in
            let address = try await sidecar.startedAddress("listen")
            #expect(address == .unix(path: socketPath))
            let mode = try FileManager.default.attributesOfItem(atPath: socketPath)[.posixPermissions] as? Int
            #expect(mode == 0o660)
            #expect(try await refund(address, id: "00000000-0000-4000-8000-0000000000e1").status == 200)
            sidecar.signal(SIGTERM)
            #expect(await sidecar.waitForExit() == 0)
            #expect(!FileManager.default.fileExists(atPath: socketPath))
        }
    }

    @Test func refundThroughTheStandaloneSandboxOverTheUpstreamClient() async throws {
        let dir = try makeTemporaryDirectory()
        let keyFile = dir.appendingPathComponent("key")
        try writeKey(secret, to: keyFile)
        try await withSidecarProcess(arguments: ["sandbox", "--listen", "127.0.0.1:0", "--auth-id", merchant, "--key-file", keyFile.path]) {
            sandbox in
            let sandboxAddress = try await sandbox.startedAddress("listen", message: "sandbox started")
            try await withSidecarProcess(arguments: serveArguments(keyFile: keyFile, upstream: "http://\(sandboxAddress)")) { sidecar in
                let address = try await sidecar.startedAddress("listen")

                let first = try await refund(address, id: "00000000-0000-4000-8000-0000000000f1")
                #expect(first.status == 200)
                #expect(first.header("x-freedompay-sandbox") == "emulated")
                #expect(first.header("x-request-id") == "00000000-0000-4000-8000-0000000000f1")
                let replay = try await refund(address, id: "00000000-0000-4000-8000-0000000000f1")
                #expect(replay.status == 200)
                #expect(replay.header("x-request-id") == "00000000-0000-4000-8000-0000000000f1")
                #expect(replay.body == first.body)

                sidecar.signal(SIGTERM)
                sandbox.signal(SIGTERM)
                #expect(await sidecar.waitForExit() == 0)
                #expect(await sandbox.waitForExit() == 0)
            }
        }
    }

    @Test func signPrintsTheCardAPIKnownAnswer() async throws {
        let dir = try makeTemporaryDirectory()
        let keyFile = dir.appendingPathComponent("key")
        try writeKey("secret", to: keyFile)
        let (status, printed, errors) = try await runSidecar(
            ["sign", "--uri", "/v5/card-api/request/status", "--auth-id", "123456", "--alg", "HS512", "--key-file", keyFile.path],
            stdin: cardAPIBody)
        #expect(status == 0, "\(errors)")
        #expect(printed.hasSuffix(cardAPISignatureTail))
        #expect(printed.split(separator: "\n").count == 1)
    }

    @Test func checkConfigAndHealthcheckExitCodes() async throws {
        let dir = try makeTemporaryDirectory()
        let keyFile = dir.appendingPathComponent("key")
        try writeKey(secret, to: keyFile)
        // Exit status and stderr.
        func run(_ arguments: [String]) async throws -> (Int32, String) {
            let (status, _, errors) = try await runSidecar(arguments)
            return (status, errors)
        }
        let noUpstream = try await run(["check-config", "--auth-id", merchant, "--key-file", keyFile.path])
        #expect(noUpstream.0 == 1)
        #expect(noUpstream.1.contains("--upstream sandbox"))
        #expect(try await run(["check-config", "--auth-id", merchant, "--key-file", keyFile.path, "--upstream", "sandbox"]).0 == 0)
        let insecure = try await run([
            "check-config", "--auth-id", merchant, "--key-file", keyFile.path, "--upstream", "http://api.freedompay.kz",
        ])
        #expect(insecure.0 == 1)
        #expect(insecure.1.contains("https"))
        let noMerchant = try await run(["check-config", "--key-file", keyFile.path, "--upstream", "sandbox"])
        #expect(noMerchant.0 == 1)
        #expect(noMerchant.1.contains("merchant id"))

        try await withSidecarProcess(arguments: serveArguments(keyFile: keyFile, upstream: "sandbox")) { sidecar in
            let admin = try await sidecar.startedAddress("admin_listen")
            #expect(try await run(["healthcheck", "--url", "http://\(admin)/readyz"]).0 == 0)
            sidecar.signal(SIGTERM)
            #expect(await sidecar.waitForExit() == 0)
            #expect(try await run(["healthcheck", "--url", "http://\(admin)/readyz"]).0 == 1)
        }
    }

    /// The scoped helper itself: a process still running when the body returns is killed and reaped.
    @Test func withSidecarProcessKillsAndReapsAProcessStillRunning() async throws {
        let dir = try makeTemporaryDirectory()
        let keyFile = dir.appendingPathComponent("key")
        try writeKey(secret, to: keyFile)
        let sidecar = try await withSidecarProcess(arguments: serveArguments(keyFile: keyFile, upstream: "sandbox")) { sidecar in
            _ = try await sidecar.startedAddress("listen")
            return sidecar
        }
        #expect(!sidecar.process.isRunning)
        #expect(await sidecar.process.termination() == .killed(signal: SIGKILL))
    }
}
