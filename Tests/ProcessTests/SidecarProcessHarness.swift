import Foundation
import LoopbackTestSupport
import SocketLoop
import Synchronization

/// The built `freedompay-sidecar` next to this test binary.
let sidecarExecutable: URL = {
    let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    return testBinary.deletingLastPathComponent().appendingPathComponent("freedompay-sidecar")
}()

/// A running sidecar process whose stdout is read line by line as it arrives, so tests
/// wait for log events rather than sleeping.
final class SidecarProcessHarness: @unchecked Sendable {
    let process = Process()
    private let lines = Mutex<(all: [String], waiters: [(String, OneShot<String?>)], ended: Bool)>(([], [], false))
    private let stderrText = Mutex("")
    let exited = Latch()

    /// `launcher` runs the sidecar through another program that execs it, such as
    /// `setpriv --reuid=…` (the process id stays the sidecar's).
    init(arguments: [String], environment: [String: String] = [:], launcher: [String] = []) throws {
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = launcher.dropFirst() + [sidecarExecutable.path] + arguments
        } else {
            process.executableURL = sidecarExecutable
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FREEDOMPAY_") }
        env.merge(environment) { $1 }
        process.environment = env
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.terminationHandler = { [exited] _ in exited.open() }
        try process.run()
        Thread.detachNewThread { [self] in
            var pending = Data()
            while true {
                let chunk = stdout.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    deliver(line)
                }
            }
            finishLines()
        }
        Thread.detachNewThread { [self] in
            let data = stderr.fileHandleForReading.readDataToEndOfFile()
            stderrText.withLock { $0 = String(decoding: data, as: UTF8.self) }
        }
    }

    var stdoutLines: [String] { lines.withLock { $0.all } }
    var standardError: String { stderrText.withLock { $0 } }

    /// The first stdout line (already seen or yet to come) containing `text`; `nil` if the
    /// process ends first or the waiting test is cancelled (see `OneShot`).
    func waitForLine(containing text: String, after skip: Int = 0) async -> String? {
        let line = OneShot<String?>()
        lines.withLock { state in
            if let seen = state.all.dropFirst(skip).first(where: { $0.contains(text) }) {
                line.fulfill(seen)
            } else if state.ended {
                line.fulfill(nil)
            } else {
                state.waiters.append((text, line))
            }
        }
        return await line.value() ?? nil
    }

    private func deliver(_ line: String) {
        let ready = lines.withLock { state -> [OneShot<String?>] in
            state.all.append(line)
            let matching = state.waiters.filter { line.contains($0.0) }.map(\.1)
            state.waiters.removeAll { line.contains($0.0) }
            return matching
        }
        ready.forEach { $0.fulfill(line) }
    }

    private func finishLines() {
        let waiting = lines.withLock { state in
            state.ended = true
            defer { state.waiters = [] }
            return state.waiters.map(\.1)
        }
        waiting.forEach { $0.fulfill(nil) }
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for exit (the test's overall time limit bounds a hang) and returns the status.
    /// Also waits until stdout has been read to its end: the termination handler can run
    /// before the reader thread delivered the last lines, which tests then look for.
    func waitForExit() async -> Int32 {
        await exited.wait()
        releaseRunLoopSource()
        _ = await waitForLine(containing: Self.neverLogged)
        return process.terminationStatus
    }

    /// Text no log line contains (a NUL): waiting for it returns when stdout ends.
    private static let neverLogged = "\u{0}"

    /// The address logged for `key` ("listen" or "admin_listen") in the start-up line.
    func startedAddress(_ key: String, message: String = "sidecar started") async throws -> ListenAddress {
        guard let line = await waitForLine(containing: message),
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let text = object[key] as? String
        else { throw LoopbackClientError("sidecar did not start: \(stdoutLines) \(standardError)") }
        return try ListenAddress(parsing: text)
    }

    /// Sends SIGKILL if the process is still running, then waits until it has been reaped
    /// (the termination handler runs after that).
    func killAndWait() async {
        if process.isRunning { signal(SIGKILL) }
        await exited.wait()
        releaseRunLoopSource()
    }

    /// swift-corelibs-foundation's `Process.run()` makes a run-loop source whose context
    /// retains the `Process`, and the `Process` holds the source; only `waitUntilExit()`
    /// clears it. Once the termination handler ran, `isRunning` is false, so this returns at
    /// once and just breaks that cycle (else LeakSanitizer reports the `Process`, its pipes,
    /// environment and handler for every harness).
    private func releaseRunLoopSource() {
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// Runs `body` with a sidecar process started with `arguments`, then makes sure the process
/// has ended and been reaped, whether `body` returns or throws (SIGKILL if it still runs).
func withSidecarProcess<Result>(
    arguments: [String], environment: [String: String] = [:], launcher: [String] = [], isolation: isolated (any Actor)? = #isolation,
    _ body: (SidecarProcessHarness) async throws -> Result
) async throws -> Result {
    let harness = try SidecarProcessHarness(arguments: arguments, environment: environment, launcher: launcher)
    let result: Result
    do {
        result = try await body(harness)
    } catch {
        await harness.killAndWait()
        throw error
    }
    await harness.killAndWait()
    return result
}

/// A temporary directory for key files and sockets.
func makeTemporaryDirectory() throws -> URL {
    let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("sidecar-process-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func writeKey(_ contents: String, to url: URL, mode: Int = 0o600) throws {
    try contents.write(to: url, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
}
