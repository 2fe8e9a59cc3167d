import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with `posix_spawn`, for tests: its stdin, stdout and stderr are
/// pipes, and a thread of its own reaps it. Not Foundation's `Process`: on Linux its `run()`
/// copies 256 bytes out of every `/proc/self/fd` entry, past the end of short ones
/// (swift-corelibs-foundation issue #5472). With many descriptors open that crashed about one
/// suite run in ten, and AddressSanitizer reports it as a heap-buffer-overflow.
public final class SpawnedProcess: Sendable {
    public let processIdentifier: pid_t
    /// The write end of the child's stdin.
    public let standardInput: FileHandle
    /// The read end of the child's stdout.
    public let standardOutput: FileHandle
    /// The read end of the child's stderr: `standardOutput` when they were merged.
    public let standardError: FileHandle
    private let ending = OneShot<Termination>()

    /// How a reaped child ended.
    public enum Termination: Sendable, Equatable {
        case exited(code: Int32)
        case killed(signal: Int32)
    }

    /// Starts `executable` with `arguments` and `environment` (nil: the test process's). The
    /// child starts with an empty signal mask and default signal handling, and with no
    /// descriptor of the test process but its three pipes.
    public init(_ executable: String, arguments: [String], environment: [String: String]? = nil, mergingStandardError: Bool = false)
        throws
    {
        let input = try Self.makePipe()
        let output = try Self.makePipe()
        let errors = mergingStandardError ? output : try Self.makePipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input.read, 0)
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, errors.write, 2)
        addCloseFrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The spawning thread may be a Dispatch worker with every signal blocked, and a signal
        // the test process ignores would stay ignored across exec: neither may reach the child.
        var noSignals = sigset_t()
        var allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var pid = pid_t()
        let spawned =
            if let envp { posix_spawn(&pid, executable, &actions, &attributes, argv, envp) } else {
                posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
            }
        // The child has its copies; the parent keeps only its own ends.
        close(input.read)
        close(output.write)
        if !mergingStandardError { close(errors.write) }
        guard spawned == 0 else {
            close(input.write)
            close(output.read)
            if !mergingStandardError { close(errors.read) }
            throw LoopbackClientError("posix_spawn \(executable): errno \(spawned)")
        }
        processIdentifier = pid
        standardInput = FileHandle(fileDescriptor: input.write, closeOnDealloc: true)
        standardOutput = FileHandle(fileDescriptor: output.read, closeOnDealloc: true)
        standardError = mergingStandardError ? standardOutput : FileHandle(fileDescriptor: errors.read, closeOnDealloc: true)
        Thread.detachNewThread { [ending, pid] in
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            // waitpid's status word: the low 7 bits are the killing signal, 0 for an exit,
            // whose code is the next byte.
            ending.fulfill(raw & 0x7f == 0 ? .exited(code: (raw >> 8) & 0xff) : .killed(signal: raw & 0x7f))
        }
    }

    /// Whether the child has not been reaped yet.
    public var isRunning: Bool { !ending.isFulfilled }

    /// How it ended, once it has been reaped; `nil` if the waiting task is cancelled first.
    public func termination() async -> Termination? { await ending.value() }

    /// Its exit code, or the number of the signal that killed it (as Foundation's
    /// `Process.terminationStatus`), once it has been reaped; `nil` if the waiting task is
    /// cancelled first.
    public func exitStatus() async -> Int32? {
        switch await termination() {
        case .exited(let code)?: code
        case .killed(let signal)?: signal
        case nil: nil
        }
    }

    public func signal(_ number: Int32) { kill(processIdentifier, number) }

    /// A pipe whose ends are closed on exec (the child gets its copies through dup2, which
    /// clears that flag); Swift's Glibc module does not declare pipe2.
    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard Glibc.pipe(&ends) == 0 else { throw LoopbackClientError("pipe: errno \(errno)") }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        return (ends[0], ends[1])
    }
}

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
/// module does not declare.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
@discardableResult
private func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

/// What a finished child process left: its exit status and everything it printed.
public struct ChildProcessResult: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
}

/// Runs child processes (the built sidecar, `openssl`, `python3`) for tests without blocking
/// Swift's cooperative pool. Writing stdin and reading both pipes to their ends are blocking
/// calls, so they run on threads of their own while the test awaits. The pool has one thread
/// per core: a test that blocked one of them for a child's lifetime (seconds under
/// ThreadSanitizer, where every instrumented child starts slowly) stalled the servers and
/// fakes of every other test running beside it until their timeouts fired.
public enum ChildProcess {
    /// Runs `executable` with `arguments` and `environment` (nil: the test process's),
    /// writes `standardInput` and closes it, and returns once the process has exited and both
    /// pipes reached their ends. With `mergingStandardError`, stderr goes into
    /// `standardOutput` and `standardError` is empty.
    public static func run(
        _ executable: URL, arguments: [String], environment: [String: String]? = nil, standardInput: [UInt8] = [],
        mergingStandardError: Bool = false
    ) async throws -> ChildProcessResult {
        let child = try SpawnedProcess(
            executable.path, arguments: arguments, environment: environment, mergingStandardError: mergingStandardError)
        // stderr is drained beside stdout, so a child that fills one pipe while the other is
        // being read cannot deadlock.
        async let errors = onOwnThread { mergingStandardError ? Data() : child.standardError.readDataToEndOfFile() }
        let printed = try await onOwnThread {
            child.standardInput.write(Data(standardInput))
            try child.standardInput.close()
            return child.standardOutput.readDataToEndOfFile()
        }
        let errorText = try await errors
        guard let status = await child.exitStatus() else { throw CancellationError() }
        return ChildProcessResult(
            status: status, standardOutput: String(decoding: printed, as: UTF8.self),
            standardError: String(decoding: errorText, as: UTF8.self))
    }

    private static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }
}
