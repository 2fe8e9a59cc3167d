import ArgumentParser
import Sidecar

struct HealthcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Exit 0 if the admin endpoint answers 200 (for container health checks); otherwise print why on stderr.")

    @Option(help: "URL to probe.") var url: String = "http://127.0.0.1:19090/readyz"

    func run() throws {
        if let failure = HealthCheck.failure(url: url) {
            StandardStreams.writeError("healthcheck: \(failure)\n")
            throw ExitCode.failure
        }
    }
}
