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

        let watchers = watchKeyFiles(of: sidecar, queue: queue)

        sidecar.start()
        let signalName = await TerminationSignal.wait()
        sidecar.logger.notice("shutdown requested", metadata: ["signal": "\(signalName)"])
        for watcher in watchers { watcher.cancel() }
        hangup.cancel()
        // A requested stop exits 0 even when the drain timed out; the log line says which.
        _ = await sidecar.shutdown()
        return 0
    }

    /// inotify on the directory of every key file (the main one and each route's own);
    /// polling only where inotify is unavailable. Any change re-checks every key file.
    private static func watchKeyFiles(of sidecar: Sidecar, queue: DispatchQueue) -> [any DispatchSourceProtocol] {
        var paths: [String] = []
        for store in sidecar.keyStores {
            if case .file(let path) = store.source, !paths.contains(path) { paths.append(path) }
        }
        guard !paths.isEmpty else { return [] }
        let reload: @Sendable () -> Void = { sidecar.reloadKey(onlyIfChanged: true, reason: "key file changed") }
        var sources: [any DispatchSourceProtocol] = []
        for path in paths {
            guard let watcher = KeyFileWatcher(path: path, queue: queue, onChange: reload) else {
                for source in sources { source.cancel() }
                return [poll(sidecar, queue: queue, reload: reload)]
            }
            sources.append(watcher.source)
        }
        return sources
    }

    private static func poll(_ sidecar: Sidecar, queue: DispatchQueue, reload: @escaping @Sendable () -> Void) -> any DispatchSourceProtocol
    {
        sidecar.logger.warning(
            "inotify unavailable; polling the key files",
            metadata: ["interval_seconds": .stringConvertible(sidecar.configuration.keyReloadInterval)])
        let poll = DispatchSource.makeTimerSource(queue: queue)
        let interval = sidecar.configuration.keyReloadInterval
        poll.schedule(deadline: .now() + interval, repeating: interval)
        poll.setEventHandler(handler: reload)
        poll.resume()
        return poll
    }
}
