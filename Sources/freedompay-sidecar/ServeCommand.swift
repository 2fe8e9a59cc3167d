import ArgumentParser
import FoundationEssentials
import Logging
import Sidecar

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the sidecar (the default).")

    @OptionGroup var options: ServeOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let bootstrapLevel =
            Logger.Level(rawValue: (options.logLevel ?? environment["FREEDOMPAY_LOG_LEVEL"] ?? "info").lowercased()) ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: bootstrapLevel) }
        let logger = Logger(label: "freedompay-sidecar")
        do {
            let configuration = try ConfigurationLoader.load(flags: options.layer, configFile: options.config, environment: environment)
            var sidecarLogger = logger
            sidecarLogger.logLevel = configuration.logLevel
            let sidecar = try buildSidecar(configuration: configuration, logger: sidecarLogger)
            let status = await SidecarProcess.run(sidecar)
            throw ExitCode(status)
        } catch let error as StartupError {
            logger.critical("cannot start", metadata: ["error": "\(error.description)"])
            throw ExitCode.failure
        }
    }
}
