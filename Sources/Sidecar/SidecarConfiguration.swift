import FreedomPayJWS
import HTTP1
import Logging

/// Where the upstream is: Freedom Pay (or a test server) by URL, or the in-process emulator.
public enum UpstreamTarget: Sendable, Equatable {
    case url(String)
    case sandbox
}

/// Where the merchant key comes from.
public enum KeySource: Sendable, Equatable, CustomStringConvertible {
    case file(path: String)
    /// The key itself, from an environment variable. Never printed.
    case inline([UInt8])
    /// The key itself, from a route's `keyEnv` variable (the value once read). Never printed.
    case variable(name: String, [UInt8])

    public var description: String {
        switch self {
        case .file(let path): "file \(path)"
        case .inline: "environment variable FREEDOMPAY_KEY"
        case .variable(let name, _): "environment variable \(name)"
        }
    }
}

/// Everything the sidecar needs to run, with production-safe defaults.
/// `Setting.all` declares how flags, environment and file fill it.
public struct SidecarConfiguration: Sendable, Equatable {
    public var listen = "127.0.0.1:18080"
    public var adminListen = "127.0.0.1:19090"
    /// No default: a misspelled setting must not start the emulator in production
    /// (`--upstream sandbox` asks for it explicitly).
    public var upstream: UpstreamTarget?
    public var authID = ""
    public var key: KeySource?
    public var algorithm = JWSAlgorithm.hs256
    public var keyID: String?
    public var routes = RouteTable([.refund])
    public var limits = HTTPParserLimits()
    /// Seconds for the whole upstream exchange, retries included (→ 504).
    public var upstreamTimeout = 20.0
    public var upstreamConnectTimeout = 5.0
    /// Seconds until a request is complete, from accept for a new connection and from the
    /// first byte on a kept-alive one (→ 408; silent close when nothing was sent).
    public var headerTimeout = 10.0
    public var idleTimeout = 60.0
    /// Seconds to finish in-flight requests after SIGTERM; longer than `upstreamTimeout`
    /// so that no refund in flight is abandoned.
    public var drainTimeout = 25.0
    public var maxConnections = 1024
    /// Admin listener connections open at once (evicting idle or silent ones first).
    public var maxAdminConnections = 64
    /// Request body bytes all connections may hold at once (→ 503 overloaded).
    public var maxBufferedBodyBytes = 16 << 20
    /// Event loops (threads serving sockets); nil = the CPUs this process may use.
    public var eventLoops: Int?
    public var maxConcurrentUpstream = 64
    public var maxQueuedUpstream = 256
    /// Request ids remembered per process to refuse a key reused for another operation
    /// (`IdempotencyRecord`), and for how many seconds each counts.
    public var idempotencyRecordLimit = 100_000
    public var idempotencyRecordMaxAge = 86_400.0
    /// Seconds between checks of the key file for a rotated secret.
    public var keyReloadInterval = 2.0
    public var logLevel = Logger.Level.info
    /// Permissions of a Unix socket listener.
    public var unixSocketMode: UInt32 = 0o660
    /// Optional CA bundle and pinned public key for the upstream TLS connection.
    public var caBundlePath: String?
    public var pinnedPublicKey: String?
    /// Lowest TLS version offered upstream: "1.2" or "1.3".
    public var minimumTLSVersion = "1.2"
    /// `http://host:port` of an egress proxy (checked when read), and the file holding its
    /// `user:password`. Environment proxy variables are never read.
    public var upstreamProxy: String?
    public var upstreamProxyCredentialsFile: String?
    /// Merchant API answers whose `pg_sig` does not verify become 502 `upstream_bad_signature`.
    public var rejectUnverifiedAnswers = false
    /// Keep the process dumpable with its core limit (debugging); README "Process protection".
    public var allowCoreDumps = false
    /// HOST:PORT of the callback listener (README "Callbacks"); nil: off.
    public var callbackListen: String?
    /// The paths Freedom Pay calls back, each verified and forwarded to the app.
    public var callbacks: [CallbackRoute] = []
    /// The callback listener's own limits: callbacks are small forms.
    public var callbackLimits = HTTPParserLimits(maxHeaderBytes: 8192, maxHeaderCount: 64, maxBodyBytes: 16384)
    public var callbackMaxConnections = 128
    /// Seconds the app has to answer a forwarded callback (→ 504, and Freedom Pay retries).
    public var callbackAppTimeout = 10.0
    /// Signed contents remembered to mark repeats (`X-FreedomPay-Repeat: true`).
    public var callbackRepeatMemory = 10000

    public init() {}
}
