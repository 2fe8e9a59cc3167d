import ArgumentParser
import FoundationEssentials
import Logging
import Sidecar

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the sidecar (the default).", discussion: ServeOptions.settingsHelp)

    @OptionGroup var options: ServeOptions

    func run() async throws {
        let loaded = ConfigurationLoader.read(arguments: options.settings, environment: ProcessInfo.processInfo.environment)
        let level = loaded.configuration.logLevel
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let logger = Logger(label: "freedompay-sidecar")
        do {
            guard loaded.errors.isEmpty else { throw StartupError(loaded.errors.joined(separator: "; ")) }
            let sidecar = try buildSidecar(configuration: loaded.configuration, logger: logger)
            let status = await SidecarProcess.run(sidecar)
            throw ExitCode(status)
        } catch let error as StartupError {
            logger.critical("cannot start", metadata: ["error": "\(error.description)"])
            throw ExitCode.failure
        }
    }
}
