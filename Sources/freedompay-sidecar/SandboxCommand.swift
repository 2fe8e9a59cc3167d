import ArgumentParser
import FreedomPayJWS
import Logging
import Sidecar

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox", abstract: "Run the Freedom Pay g2g emulator on its own listener.")

    @Option(help: "HOST:PORT or unix:PATH.") var listen: String = "127.0.0.1:8081"
    @Option(name: .customLong("auth-id"), help: "Merchant id the emulator expects in signatures.") var authID: String
    @Option(help: "Key file (the same key the sidecar signs with).") var keyFile: String
    @Option(help: "HS256, HS384, HS512, RS256 or ES256.") var alg: String = "HS256"
    @Option(help: "Optional kid expected in the JOSE header.") var kid: String?

    func run() async throws {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: .info) }
        let logger = Logger(label: "freedompay-sandbox")
        do {
            guard let algorithm = JWSAlgorithm(rawValue: alg.uppercased()) else { throw StartupError("unknown algorithm '\(alg)'") }
            let status = await SandboxServer.run(
                listen: listen, authID: authID, keyFile: keyFile, algorithm: algorithm, keyID: kid, logger: logger)
            throw ExitCode(status)
        } catch let error as StartupError {
            logger.critical("cannot start", metadata: ["error": "\(error.description)"])
            throw ExitCode.failure
        }
    }
}
