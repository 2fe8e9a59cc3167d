import ArgumentParser
import FoundationEssentials
import Sidecar

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Print the effective configuration with each value's source, then every warning and error; exit 0 or 1.",
        discussion: ServeOptions.settingsHelp)

    @OptionGroup var options: ServeOptions

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let loaded = ConfigurationLoader.read(arguments: options.settings, environment: environment)
        let report = ConfigurationReport(loaded, environment: environment)
        print(report.text, terminator: "")
        guard report.errors.isEmpty else {
            StandardStreams.writeError(report.errorText)
            throw ExitCode.failure
        }
    }
}
