import ArgumentParser
import Sidecar

@main
struct FreedomPaySidecarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "freedompay-sidecar",
        abstract: "Signs Freedom Pay v5 requests with a key only the sidecar holds, and forwards them.",
        version: Sidecar.version,
        subcommands: [ServeCommand.self, SignCommand.self, SandboxCommand.self, CheckConfigCommand.self, HealthcheckCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
