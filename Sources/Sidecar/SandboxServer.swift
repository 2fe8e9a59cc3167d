import FreedomPayJWS
import HTTPServer
import Logging
import Sandbox
import Upstream

/// `freedompay-sidecar sandbox`: the emulator on its own listener until SIGTERM/SIGINT.
public enum SandboxServer {
    public static func run(listen: String, authID: String, keyFile: String, algorithm: JWSAlgorithm, keyID: String?, logger: Logger) async
        -> Int32
    {
        TerminationSignal.install()
        let server: HTTPServer
        do {
            let keyStore = try KeyStore(source: .file(path: keyFile), algorithm: algorithm)
            let emulator = SandboxEmulator(keyStore: keyStore, merchantID: authID, keyID: keyID)
            // The payment page's Result callbacks go to the merchant's pg_result_url (README "Callbacks").
            let callbacks = try HTTPUpstreamClient()
            let checkout = SandboxCheckout(client: callbacks, secret: { keyStore.key.sharedSecret ?? [] })
            server = HTTPServer(
                listener: try listener(listen, mode: 0o660), responder: SandboxResponder(emulator: emulator, checkout: checkout))
        } catch let error as KeyError {
            logger.critical("cannot start", metadata: ["error": "\(error.description)"])
            return 1
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            return 1
        }
        server.start()
        logger.notice("sandbox started", metadata: ["listen": "\(server.address)", "alg": "\(algorithm.rawValue)"])
        let signalName = await TerminationSignal.wait()
        logger.notice("shutdown requested", metadata: ["signal": "\(signalName)"])
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in server.drain { continuation.resume() } }
        logger.notice("sandbox stopped")
        return 0
    }
}
