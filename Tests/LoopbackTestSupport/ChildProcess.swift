import Foundation
import Synchronization

/// What a finished child process left: its exit status and everything it printed.
public struct ChildProcessResult: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
}

/// Runs child processes (the built sidecar, `openssl`, `python3`) for tests without blocking
/// Swift's cooperative pool. Writing stdin, reading both pipes to their ends and waiting for
/// the exit are blocking calls, so they run on a thread of their own while the test awaits.
/// The pool has one thread per core: a test that blocked one of them for a child's lifetime
/// (seconds under ThreadSanitizer, where every instrumented child starts slowly) stalled the
/// servers and fakes of every other test running beside it until their timeouts fired.
public enum ChildProcess {
    /// Runs `executable` with `arguments` and `environment` (nil: the test process's),
    /// writes `standardInput` and closes it, and returns once the process has exited and both
    /// pipes reached their ends. With `mergingStandardError`, stderr goes into
    /// `standardOutput` and `standardError` is empty.
    public static func run(
        _ executable: URL, arguments: [String], environment: [String: String]? = nil, standardInput: [UInt8] = [],
        mergingStandardError: Bool = false
    ) async throws -> ChildProcessResult {
        let child = Started(mergingStandardError: mergingStandardError)
        child.process.executableURL = executable
        child.process.arguments = arguments
        if let environment { child.process.environment = environment }
        // Spawning does not block, so it stays on the calling task as it always did: with
        // `Process.run()` on a thread of our own, one suite run in about ten crashed inside
        // Foundation's `Process.run()` (a memcpy past a mapping); not investigated further.
        try child.process.run()
        return try await onOwnThread { try child.finish(writing: standardInput) }
    }

    /// A spawned process and its pipes, handed to the thread that waits for it.
    private final class Started: @unchecked Sendable {
        let process = Process()
        let input = Pipe()
        let output = Pipe()
        let errors: Pipe
        let mergingStandardError: Bool

        init(mergingStandardError: Bool) {
            self.mergingStandardError = mergingStandardError
            errors = mergingStandardError ? output : Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = errors
        }

        /// Writes `standardInput`, reads both pipes to their ends and waits for the exit.
        func finish(writing standardInput: [UInt8]) throws -> ChildProcessResult {
            // stderr is drained on another thread while this one writes stdin and reads stdout,
            // so a child that fills one pipe while the other is being read cannot deadlock.
            let errorText = Mutex("")
            let errorsRead = DispatchSemaphore(value: 0)
            if !mergingStandardError {
                Thread.detachNewThread { [errors] in
                    let data = errors.fileHandleForReading.readDataToEndOfFile()
                    errorText.withLock { $0 = String(decoding: data, as: UTF8.self) }
                    errorsRead.signal()
                }
            }
            input.fileHandleForWriting.write(Data(standardInput))
            try input.fileHandleForWriting.close()
            let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if !mergingStandardError { errorsRead.wait() }
            process.waitUntilExit()
            return ChildProcessResult(status: process.terminationStatus, standardOutput: printed, standardError: errorText.withLock { $0 })
        }
    }
}

/// Runs the blocking `work` on a new thread and returns its result: for tests that must call
/// something blocking (a child process, a synchronous probe) without holding a thread of
/// Swift's cooperative pool while it blocks.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
