import ArgumentParser
import Sidecar

/// The flags `serve` and `check-config` share; each overrides its environment variable.
struct ServeOptions: ParsableArguments {
    @Option(help: "JSON config file (env FREEDOMPAY_CONFIG).") var config: String?
    @Option(help: "HOST:PORT or unix:PATH to serve on (default 127.0.0.1:18080).") var listen: String?
    @Option(help: "HOST:PORT of the admin listener: /healthz, /readyz, /metrics (default 127.0.0.1:19090).") var adminListen: String?
    @Option(help: "Freedom Pay base URL, or 'sandbox' for the embedded emulator (default).") var upstream: String?
    @Option(name: .customLong("auth-id"), help: "Merchant id signed into each request.") var authID: String?
    @Option(help: "File with the secret (HS*) or PEM private key (RS256, ES256).") var keyFile: String?
    @Option(help: "HS256 (default), HS384, HS512, RS256 or ES256.") var alg: String?
    @Option(help: "Optional kid for the JOSE header.") var kid: String?
    @Option(help: "Seconds for the whole upstream exchange, retries included (default 20).") var upstreamTimeout: Double?
    @Option(help: "Seconds to receive a whole request (default 10).") var headerTimeout: Double?
    @Option(help: "Seconds to finish in-flight requests on SIGTERM (default 25).") var drainTimeout: Double?
    @Option(help: "trace, debug, info (default), notice, warning, error, critical.") var logLevel: String?

    var layer: ConfigurationLayer {
        var layer = ConfigurationLayer()
        layer.listen = listen
        layer.adminListen = adminListen
        layer.upstream = upstream
        layer.authID = authID
        layer.keyFile = keyFile
        layer.algorithm = alg
        layer.keyID = kid
        layer.upstreamTimeout = upstreamTimeout
        layer.headerTimeout = headerTimeout
        layer.drainTimeout = drainTimeout
        layer.logLevel = logLevel
        return layer
    }
}
