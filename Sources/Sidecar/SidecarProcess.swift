import Dispatch
import Glibc
import Logging

/// Runs a built sidecar as the process's main job: starts it, reloads the key on SIGHUP and
/// when the key file changes, and on SIGTERM/SIGINT drains and returns the exit status.
public enum SidecarProcess {
    public static func run(_ sidecar: Sidecar) async -> Int32 {
        TerminationSignal.install()
        signal(SIGHUP, SIG_IGN)
        let queue = DispatchQueue(label: "key reload")

        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        hangup.setEventHandler { sidecar.reloadKey(onlyIfChanged: false, reason: "SIGHUP") }
        hangup.resume()

        let watcher = watchKeyFile(of: sidecar, queue: queue)

        sidecar.start()
        let signalName = await TerminationSignal.wait()
        sidecar.logger.notice("shutdown requested", metadata: ["signal": "\(signalName)"])
        watcher?.cancel()
        hangup.cancel()
        // A requested stop exits 0 even when the drain timed out; the log line says which.
        _ = await sidecar.shutdown()
        return 0
    }

    /// inotify on the key's directory; polling only where inotify is unavailable.
    private static func watchKeyFile(of sidecar: Sidecar, queue: DispatchQueue) -> (any DispatchSourceProtocol)? {
        guard case .file(let path) = sidecar.keyStore.source else { return nil }
        let reload: @Sendable () -> Void = { sidecar.reloadKey(onlyIfChanged: true, reason: "key file changed") }
        if let watcher = KeyFileWatcher(path: path, queue: queue, onChange: reload) {
            return watcher.source
        }
        sidecar.logger.warning(
            "inotify unavailable; polling the key file",
            metadata: ["interval_seconds": .stringConvertible(sidecar.configuration.keyReloadInterval)])
        let poll = DispatchSource.makeTimerSource(queue: queue)
        let interval = sidecar.configuration.keyReloadInterval
        poll.schedule(deadline: .now() + interval, repeating: interval)
        poll.setEventHandler(handler: reload)
        poll.resume()
        return poll
    }
}
