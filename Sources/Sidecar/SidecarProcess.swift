import Dispatch
import Foundation
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

        let poll = DispatchSource.makeTimerSource(queue: queue)
        let interval = sidecar.configuration.keyReloadInterval
        poll.schedule(deadline: .now() + interval, repeating: interval)
        poll.setEventHandler { sidecar.reloadKey(onlyIfChanged: true, reason: "key file changed") }
        poll.resume()

        sidecar.start()
        let signalName = await TerminationSignal.wait()
        sidecar.logger.notice("shutdown requested", metadata: ["signal": "\(signalName)"])
        poll.cancel()
        hangup.cancel()
        // A requested stop exits 0 even when the drain timed out; the log line says which.
        _ = await sidecar.shutdown()
        return 0
    }
}
