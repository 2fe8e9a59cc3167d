import Dispatch
import Glibc
import Synchronization

/// Waiting for SIGTERM or SIGINT, for the process's main job.
enum TerminationSignal {
    /// Call once, before starting work: the default actions are replaced by Dispatch
    /// sources, so the signals are never lost between start-up and `wait()`.
    static func install() {
        signal(SIGPIPE, SIG_IGN)
        for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { received(name) }
            source.resume()
            sources.append(source)
        }
    }

    /// The name of the first termination signal, once it has arrived.
    static func wait() async -> String {
        await withCheckedContinuation { continuation in
            queue.async {
                if let name = state.withLock({ $0.name }) {
                    continuation.resume(returning: name)
                } else {
                    state.withLock { $0.waiters.append(continuation) }
                }
            }
        }
    }

    private static let queue = DispatchQueue(label: "termination signals")
    /// Keeps the sources alive; written only by `install()`, once, at start-up.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    private static let state = Mutex<(name: String?, waiters: [CheckedContinuation<String, Never>])>((nil, []))

    /// Runs on `queue`, as does the check in `wait()`, so no waiter is missed.
    private static func received(_ name: String) {
        let waiters = state.withLock { state -> [CheckedContinuation<String, Never>] in
            guard state.name == nil else { return [] }
            state.name = name
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume(returning: name) }
    }
}
