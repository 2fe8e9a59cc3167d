import Foundation
import LoopbackTestSupport
import SocketLoop
import Testing

private let secret = "key-handling-secret-0123456789abcdef"
private let merchant = "123456"

private func serveArguments(keyFile: URL? = nil, extra: [String] = []) -> [String] {
    ["serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--upstream", "sandbox", "--auth-id", merchant]
        + (keyFile.map { ["--key-file", $0.path] } ?? []) + extra
}

/// The start-up log line with `message`, parsed.
private func logObject(_ sidecar: SidecarProcessHarness, _ message: String) async throws -> [String: Any] {
    let line = try #require(await sidecar.waitForLine(containing: #""message":"\#(message)""#), "\(sidecar.standardError)")
    return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
}

/// Issue 17 §1 and §3 on real processes: the key leaves no trace in /proc, files that
/// would block or exhaust memory are refused, serve logs check-config's warnings, the
/// CLI explains its failures.
@Suite(.serialized, .timeLimit(.minutes(1))) struct KeyHandlingProcessTests {
    /// With core dumps allowed (so that /proc/PID/environ stays readable to this user too),
    /// the key's bytes are gone from the initial environment; the name stays.
    @Test func theKeysAreScrubbedFromProcEnviron() async throws {
        let dir = try makeTemporaryDirectory()
        let config = dir.appendingPathComponent("config.json")
        try
            #"{"routes":[{"path":"/v5/g2g/edit","defaultAction":"gateway.payment.refund"},{"path":"/v5/merchant/invoice/init","defaultAction":"invoice.init","headerLayout":"invoice","credentials":{"keyEnv":"INVOICE_SECRET_KEY"}}]}"#
            .write(to: config, atomically: false, encoding: .utf8)
        let routeSecret = "invoice-route-secret-0123456789abcdef"
        try await withSidecarProcess(
            arguments: serveArguments(extra: ["--allow-core-dumps", "true", "--config", config.path]),
            environment: ["FREEDOMPAY_KEY": secret, "INVOICE_SECRET_KEY": routeSecret]
        ) { sidecar in
            let protection = try await logObject(sidecar, "process protection")
            #expect(protection["scrubbed_environment"] as? String == "FREEDOMPAY_KEY,INVOICE_SECRET_KEY")
            #expect(protection["dumpable"] as? Bool == true, "allowCoreDumps leaves the process dumpable")
            _ = try await sidecar.startedAddress("listen")
            #expect(sidecar.stdoutLines.contains { $0.contains("allowCoreDumps is true") }, "and serve warns about it")
            let environ = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(sidecar.process.processIdentifier)/environ"))
            #expect(environ.range(of: Data("FREEDOMPAY_KEY=".utf8)) != nil)
            #expect(environ.range(of: Data("INVOICE_SECRET_KEY=".utf8)) != nil)
            for value in [secret, routeSecret] {
                #expect(environ.range(of: Data(value.utf8)) == nil)
                #expect(environ.range(of: Data(value.prefix(8).utf8)) == nil)
                #expect(!sidecar.stdoutLines.joined().contains(value))
            }
        }
    }

    /// By default: not dumpable (read back from the kernel) and a core limit of 0 (read from
    /// /proc/PID/limits by this process); as another user, /proc/PID/environ is not readable.
    @Test func theProcessIsNotDumpableAndHasNoCoreLimitByDefault() async throws {
        try await withSidecarProcess(arguments: serveArguments(), environment: ["FREEDOMPAY_KEY": secret]) { sidecar in
            let protection = try await logObject(sidecar, "process protection")
            #expect(protection["dumpable"] as? Bool == false)
            #expect(protection["core_limit"] as? Int == 0)
            _ = try await sidecar.startedAddress("listen")
            let pid = sidecar.process.processIdentifier
            let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
            let core = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") })
            #expect(core.split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).prefix(2) == ["0", "0"], "\(core)")
            if getuid() != 0 {
                #expect(open("/proc/\(pid)/environ", O_RDONLY) == -1, "a non-dumpable process's environ is root's")
            }
            #expect(!sidecar.stdoutLines.contains { $0.contains("still dumpable") })
        }
    }

    /// As root, the sidecar runs as another user (65534) and a second process of that same
    /// user tries to read its /proc/PID/environ and /proc/PID/mem: refused by default,
    /// allowed with allowCoreDumps (the control showing the check can fail).
    @Test func anotherProcessOfTheSameUserCannotReadTheSidecarsProcFiles() async throws {
        guard getuid() == 0 else {
            // Not root: this process is that other process of the same user.
            try await withSidecarProcess(arguments: serveArguments(), environment: ["FREEDOMPAY_KEY": secret]) { sidecar in
                _ = try await sidecar.startedAddress("listen")
                #expect(open("/proc/\(sidecar.process.processIdentifier)/environ", O_RDONLY) == -1)
                #expect(errno == EACCES)
            }
            return
        }
        let asNobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        for allowCoreDumps in [false, true] {
            try await withSidecarProcess(
                arguments: serveArguments(extra: ["--allow-core-dumps", String(allowCoreDumps)]), environment: ["FREEDOMPAY_KEY": secret],
                launcher: asNobody
            ) { sidecar in
                _ = try await sidecar.startedAddress("listen")
                let pid = sidecar.process.processIdentifier
                for file in ["environ", "mem"] {
                    let reader = try await ChildProcess.run(
                        URL(fileURLWithPath: asNobody[0]),
                        arguments: Array(asNobody.dropFirst()) + ["/usr/bin/head", "-c", "1", "/proc/\(pid)/\(file)"])
                    let message = reader.standardError
                    // Once opened, `head` reads /proc/PID/mem at offset 0, which is unmapped: an
                    // I/O error, not a refusal to open.
                    let refused = message.contains("cannot open") && message.contains("Permission denied")
                    #expect(refused == !allowCoreDumps, "\(file), allowCoreDumps \(allowCoreDumps): \(message)")
                    if file == "environ" { #expect((reader.status == 0) == allowCoreDumps) }
                }
            }
        }
    }

    @Test func aDeviceOrAFIFOAsKeyOrConfigFailsCheckConfigAndServeAtOnce() async throws {
        let dir = try makeTemporaryDirectory()
        let fifo = dir.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let base = ["--upstream", "sandbox", "--auth-id", merchant]
        let zero = try await runSidecar(["check-config", "--key-file", "/dev/zero"] + base)
        #expect(zero.0 == 1)
        #expect(zero.2.contains("key file /dev/zero is not a regular file (a character device)"), "\(zero.2)")
        let fifoKey = try await runSidecar(["check-config", "--key-file", fifo] + base)
        #expect(fifoKey.0 == 1)
        #expect(fifoKey.2.contains("key file \(fifo) is not a regular file (a FIFO)"), "\(fifoKey.2)")
        let fifoConfig = try await runSidecar(["check-config", "--config", fifo] + base, environment: ["FREEDOMPAY_KEY": secret])
        #expect(fifoConfig.0 == 1)
        #expect(fifoConfig.2.contains("config file \(fifo) is not a regular file (a FIFO)"), "\(fifoConfig.2)")
        let serve = try await runSidecar(serveArguments(extra: ["--config", fifo]), environment: ["FREEDOMPAY_KEY": secret])
        #expect(serve.0 == 1)
        #expect(serve.1.contains("config file \(fifo) is not a regular file (a FIFO)"), "\(serve.1)")
    }

    /// The reload thread once blocked forever on a FIFO swapped in for the key; now the
    /// reload fails at once and the next rotation still loads.
    @Test func aFIFOSwappedInForTheKeyDoesNotStopLaterRotations() async throws {
        let dir = try makeTemporaryDirectory()
        let keyFile = dir.appendingPathComponent("key")
        try writeKey(secret, to: keyFile)
        try await withSidecarProcess(arguments: serveArguments(keyFile: keyFile)) { sidecar in
            _ = try await sidecar.startedAddress("listen")
            let fifo = dir.appendingPathComponent("fifo").path
            #expect(mkfifo(fifo, 0o600) == 0)
            #expect(rename(fifo, keyFile.path) == 0)
            let failed = await sidecar.waitForLine(containing: "signing key reload failed")
            #expect(failed?.contains("is not a regular file (a FIFO)") == true, "\(sidecar.stdoutLines)")
            let next = dir.appendingPathComponent("next")
            try writeKey("rotated-key-0123456789abcdef0123456", to: next)
            #expect(rename(next.path, keyFile.path) == 0)
            #expect(await sidecar.waitForLine(containing: "signing key reloaded") != nil)
        }
    }

    @Test func serveLogsTheWarningsCheckConfigPrints() async throws {
        let dir = try makeTemporaryDirectory()
        let keyFile = dir.appendingPathComponent("key")
        try writeKey(secret, to: keyFile, mode: 0o644)
        let socket = dir.appendingPathComponent("s.sock").path
        let configFile = dir.appendingPathComponent("config.json")
        try #"{"unixSocketMode":"666"}"#.write(to: configFile, atomically: false, encoding: .utf8)
        let arguments = [
            "--config", configFile.path, "--listen", "unix:\(socket)", "--admin-listen", "127.0.0.1:0", "--upstream", "sandbox",
            "--auth-id", merchant, "--key-file", keyFile.path,
        ]
        let check = try await runSidecar(["check-config"] + arguments)
        #expect(check.0 == 0, "\(check.2)")
        let printed = check.1.split(separator: "\n").filter { $0.hasPrefix("warning: ") }.map { String($0.dropFirst(9)) }
        try await withSidecarProcess(arguments: ["serve"] + arguments) { sidecar in
            _ = try await sidecar.startedAddress("listen")
            let logged = try sidecar.stdoutLines.compactMap { line -> String? in
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                guard object?["message"] as? String == "configuration warning" else { return nil }
                return object?["warning"] as? String
            }
            #expect(logged == printed)
            #expect(logged.contains { $0.contains("readable by others (mode 644") })
            #expect(logged.contains { $0.hasPrefix("unixSocketMode 666 is wider than 660") })
            #expect(logged.contains { $0.hasPrefix("upstream is the in-process sandbox emulator") })
        }
    }

    @Test func healthcheckPrintsWhyItFailed() async throws {
        let refusing = try RefusingPort()
        let port = refusing.port
        let refused = try await runSidecar(["healthcheck", "--url", "http://127.0.0.1:\(port)/readyz"])
        #expect(refused.0 == 1)
        #expect(refused.2 == "healthcheck: cannot connect to 127.0.0.1:\(port): Connection refused\n")
        let malformed = try await runSidecar(["healthcheck", "--url", "https://127.0.0.1:1/readyz"])
        #expect(malformed.0 == 1)
        #expect(malformed.2 == "healthcheck: https://127.0.0.1:1/readyz: only http:// URLs are probed\n")
    }

    @Test func signWithARouteAppliesTheRoutesBodyChecks() async throws {
        let refused = try await runSidecar(
            ["sign", "--route", "/v5/g2g/edit", "--auth-id", merchant], stdin: #"{"id":"x","amount":-1}"#,
            environment: ["FREEDOMPAY_KEY": secret])
        #expect(refused.0 == 1)
        #expect(refused.1.isEmpty)
        #expect(refused.2.hasPrefix("invalid_body: "), "\(refused.2)")
        let accepted = try await runSidecar(
            ["sign", "--route", "/v5/g2g/edit", "--auth-id", merchant],
            stdin: #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100}"#,
            environment: ["FREEDOMPAY_KEY": secret])
        #expect(accepted.0 == 0, "\(accepted.2)")
        #expect(accepted.1.contains(".."))
    }

    @Test func anUnknownFreedomPayVariableStopsServe() async throws {
        let result = try await runSidecar(serveArguments(), environment: ["FREEDOMPAY_KEY": secret, "FREEDOMPAY_LOGLEVEL": "debug"])
        #expect(result.0 == 1)
        #expect(result.1.contains("unknown environment variable FREEDOMPAY_LOGLEVEL; did you mean FREEDOMPAY_LOG_LEVEL?"), "\(result.1)")
    }
}
