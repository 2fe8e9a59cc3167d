import Dispatch
import Foundation
import Logging

/// Runs a built sidecar as the process's main job: starts it, reloads the key on SIGHUP and
/// when the key file changes, and on SIGTERM/SIGINT drains and returns the exit status.
public enum SidecarProcess {
    public static func run(_ sidecar: Sidecar) async -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        for signalNumber in [SIGHUP, SIGTERM, SIGINT] { signal(signalNumber, SIG_IGN) }
        let queue = DispatchQueue(label: "signals")

        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        hangup.setEventHandler { sidecar.reloadKey(onlyIfChanged: false, reason: "SIGHUP") }
        hangup.resume()

        let poll = DispatchSource.makeTimerSource(queue: queue)
        let interval = sidecar.configuration.keyReloadInterval
        poll.schedule(deadline: .now() + interval, repeating: interval)
        poll.setEventHandler { sidecar.reloadKey(onlyIfChanged: true, reason: "key file changed") }
        poll.resume()

        sidecar.start()
        let signalName = await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let once = OnceFlag()
            for (signalNumber, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
                source.setEventHandler { if once.claim() { continuation.resume(returning: name) } }
                source.resume()
                terminationSources.append(source)
            }
        }
        sidecar.logger.notice("shutdown requested", metadata: ["signal": "\(signalName)"])
        poll.cancel()
        hangup.cancel()
        // A requested stop exits 0 even when the drain timed out; the log line says which.
        _ = await sidecar.shutdown()
        return 0
    }

    /// Keeps the termination signal sources alive for the life of the process.
    nonisolated(unsafe) private static var terminationSources: [any DispatchSourceSignal] = []
}
