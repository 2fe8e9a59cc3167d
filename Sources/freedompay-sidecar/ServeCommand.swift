import ArgumentParser
import FoundationEssentials
import Logging
import Sidecar

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the sidecar (the default).", discussion: ServeOptions.settingsHelp)

    @OptionGroup var options: ServeOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let loaded = ConfigurationLoader.read(arguments: options.settings, environment: environment)
        // The key is in `loaded` now: no dumps of this process, and no key in /proc/PID/environ.
        let protection = ProcessProtection.protect(allowCoreDumps: loaded.configuration.allowCoreDumps)
        let scrubbed = ProcessProtection.scrubEnvironment(ProcessProtection.keyVariables(of: loaded.configuration))
        let level = loaded.configuration.logLevel
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let logger = Logger(label: "freedompay-sidecar")
        do {
            guard loaded.errors.isEmpty else { throw StartupError(loaded.errors.joined(separator: "; ")) }
            logStartupChecks(loaded.configuration, environment: environment, protection: protection, scrubbed: scrubbed, logger: logger)
            let sidecar = try buildSidecar(configuration: loaded.configuration, logger: logger)
            let status = await SidecarProcess.run(sidecar)
            throw ExitCode(status)
        } catch let error as StartupError {
            logger.critical("cannot start", metadata: ["error": "\(error.description)"])
            throw ExitCode.failure
        }
    }
}
