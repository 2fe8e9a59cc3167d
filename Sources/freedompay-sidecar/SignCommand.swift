import ArgumentParser
import FoundationEssentials
import FreedomPayJWS
import Sidecar

struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Print the X-JWS-Signature for the body on stdin, as serve would sign it.",
        discussion: """
            Reads the same settings as serve (flags, FREEDOMPAY_* variables, --config file): --auth-id, \
            --key-file or FREEDOMPAY_KEY, --alg, --kid. Either --route PATH signs with that configured \
            route's path, header layout and credentials, or --uri PATH with --header-layout for one-off use.

            \(ServeOptions.settingsHelp)
            """)

    @Option(help: "Request path signed into the header, e.g. /v5/g2g/edit; must start with /.") var uri: String?
    @Option(help: "A configured route's path: sign with its layout and credentials.") var route: String?
    @Option(help: "With --route: the action (checked against the route's allowed actions).") var action: String?
    @Option(help: "gateway (uri, auth_id) or invoice (path, numeric merchant_id); without --route only.")
    var headerLayout: String?
    @Option(help: "HTTP method.") var method: String = "POST"
    @OptionGroup var options: ServeOptions

    func run() throws {
        let signature: String
        do throws(StartupError) {
            let loaded = ConfigurationLoader.read(arguments: options.settings, environment: ProcessInfo.processInfo.environment)
            guard loaded.errors.isEmpty else { throw StartupError(loaded.errors.joined(separator: "; ")) }
            let request = try SigningRequest(
                configuration: loaded.configuration, route: route, action: action, uri: uri, headerLayout: headerLayout, method: method)
            signature = try request.sign(StandardStreams.readInput())
        } catch {
            StandardStreams.writeError("\(error.description)\n")
            throw ExitCode.failure
        }
        print(signature)
    }
}
