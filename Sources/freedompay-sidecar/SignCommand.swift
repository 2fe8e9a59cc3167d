import ArgumentParser
import FreedomPayJWS
import Sidecar

struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sign", abstract: "Print the X-JWS-Signature for the body on stdin.")

    @Option(help: "Request path signed as the header's uri, e.g. /v5/g2g/edit.") var uri: String
    @Option(name: .customLong("auth-id"), help: "Merchant id.") var authID: String
    @Option(help: "HS256, HS384, HS512, RS256 or ES256.") var alg: String = "HS256"
    @Option(help: "Key file.") var keyFile: String
    @Option(help: "HTTP method.") var method: String = "POST"
    @Option(help: "Optional kid.") var kid: String?

    func run() throws {
        guard let algorithm = JWSAlgorithm(rawValue: alg.uppercased()) else {
            StandardStreams.writeError("unknown algorithm '\(alg)'\n")
            throw ExitCode.failure
        }
        let key: SigningKey
        do {
            key = try KeyStore(source: .file(path: keyFile), algorithm: algorithm).key
        } catch {
            StandardStreams.writeError("\(error.description)\n")
            throw ExitCode.failure
        }
        let body = StandardStreams.readInput()
        let header = JOSEHeaderLayout.gateway.header(path: uri, merchantID: authID, method: method, algorithm: algorithm, keyID: kid)
        print(DetachedJWS.sign(header: header, payload: body, key: key))
    }
}
