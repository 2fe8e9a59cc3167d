import ArgumentParser
import FoundationEssentials
import Sidecar

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate configuration and key; exit 0 or 1 with the reason.")

    @OptionGroup var options: ServeOptions

    func run() throws {
        do {
            let configuration = try ConfigurationLoader.load(
                flags: options.layer, configFile: options.config, environment: ProcessInfo.processInfo.environment)
            try validateConfiguration(configuration)
            if configuration.upstream == .sandbox {
                print("warning: upstream is the in-process sandbox emulator; nothing reaches Freedom Pay")
            }
            print("configuration ok")
        } catch {
            StandardStreams.writeError("configuration invalid: \(error.description)\n")
            throw ExitCode.failure
        }
    }
}
