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
    let process: SpawnedProcess
    private let lines = Mutex<(all: [String], waiters: [(String, OneShot<String?>)], ended: Bool)>(([], [], false))
    private let stderrText = Mutex("")

    /// `launcher` runs the sidecar through another program that execs it, such as
    /// `setpriv --reuid=…` (the process id stays the sidecar's).
    init(arguments: [String], environment: [String: String] = [:], launcher: [String] = []) throws {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FREEDOMPAY_") }
        env.merge(environment) { $1 }
        let command = launcher + [sidecarExecutable.path] + arguments
        process = try SpawnedProcess(command[0], arguments: Array(command.dropFirst()), environment: env)
        try process.standardInput.close()
        Thread.detachNewThread { [self] in
            var pending = Data()
            while true {
                let chunk = process.standardOutput.availableData
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
            let data = process.standardError.readDataToEndOfFile()
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

    func signal(_ number: Int32) { process.signal(number) }

    /// Waits for exit (the test's overall time limit bounds a hang) and returns the status
    /// (`nil` if the test was cancelled first). Also waits until stdout has been read to its
    /// end: the process can be reaped before the reader thread delivered the last lines, which
    /// tests then look for.
    func waitForExit() async -> Int32? {
        let status = await process.exitStatus()
        _ = await waitForLine(containing: Self.neverLogged)
        return status
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

    /// Sends SIGKILL if the process is still running, then waits until it has been reaped.
    func killAndWait() async {
        if process.isRunning { signal(SIGKILL) }
        _ = await process.exitStatus()
    }

    deinit {
        if process.isRunning { process.signal(SIGTERM) }
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
