import FreedomPayJWS
import Logging
import Upstream

extension Setting {
    /// Every setting, in the order `--help`, `check-config` and the README list them.
    public static let all: [Setting] = [
        Setting(
            "config", flag: "config", env: "FREEDOMPAY_CONFIG", inFile: false, default: "none",
            "JSON config file (read with a strict parser: duplicate keys, trailing commas and unknown keys are errors).",
            apply: { _, _ in }, show: { _ in nil }),
        Setting(
            "listen", flag: "listen", env: "FREEDOMPAY_LISTEN", default: "127.0.0.1:18080",
            "HOST:PORT or unix:PATH of the signing listener.",
            apply: { raw, c throws(SettingError) in c.listen = try raw.string() }, show: { $0.listen }),
        Setting(
            "adminListen", flag: "admin-listen", env: "FREEDOMPAY_ADMIN_LISTEN", default: "127.0.0.1:19090",
            "HOST:PORT of the admin listener: /healthz, /readyz, /metrics.",
            apply: { raw, c throws(SettingError) in c.adminListen = try raw.string() }, show: { $0.adminListen }),
        Setting(
            "upstream", flag: "upstream", env: "FREEDOMPAY_UPSTREAM", default: "required",
            "Freedom Pay's origin (https://api.freedompay.kz), or 'sandbox' for the in-process emulator. Never implied.",
            apply: { raw, c throws(SettingError) in
                let text = try raw.string()
                c.upstream = text == "sandbox" ? .sandbox : .url(text)
            },
            show: {
                switch $0.upstream {
                case .sandbox: "sandbox"
                case .url(let url): url
                case nil: nil
                }
            }),
        Setting(
            "authId", flag: "auth-id", env: "FREEDOMPAY_AUTH_ID", default: "required", "Merchant id signed into each request.",
            apply: { raw, c throws(SettingError) in c.authID = try raw.string() }, show: { $0.authID.isEmpty ? nil : $0.authID }),
        Setting(
            "keyFile", flag: "key-file", env: "FREEDOMPAY_KEY_FILE", default: "required (or FREEDOMPAY_KEY)",
            "File with the secret (HS*) or PEM private key (RS256, ES256); reloaded on SIGHUP and when it changes.",
            apply: { raw, c throws(SettingError) in c.key = .file(path: try raw.string()) },
            show: { if case .file(let path) = $0.key { path } else { nil } }),
        Setting(
            "key", env: "FREEDOMPAY_KEY", inFile: false, default: "none", secret: true,
            "The key itself; a key file given at the same or a higher layer wins.",
            apply: { raw, c throws(SettingError) in c.key = .inline(Array(try raw.string().utf8)) },
            show: { if case .inline = $0.key { "<redacted>" } else { nil } }),
        Setting(
            "alg", flag: "alg", env: "FREEDOMPAY_ALG", default: "HS256",
            "HS256, HS384, HS512, RS256 or ES256 (the last two with a PEM key).",
            apply: { raw, c throws(SettingError) in
                c.algorithm = JWSAlgorithm(rawValue: try raw.choice(JWSAlgorithm.allCases.map(\.rawValue)))!
            },
            show: { $0.algorithm.rawValue }),
        Setting(
            "kid", flag: "kid", env: "FREEDOMPAY_KID", default: "none", "Optional kid in the JOSE header.",
            apply: { raw, c throws(SettingError) in
                let text = try raw.string()
                c.keyID = text.isEmpty ? nil : text
            },
            show: { $0.keyID }),
        Setting(
            "upstreamTimeoutSeconds", flag: "upstream-timeout", env: "FREEDOMPAY_UPSTREAM_TIMEOUT", default: "20",
            "Seconds for the whole upstream exchange, retries included (then 504).",
            apply: { raw, c throws(SettingError) in c.upstreamTimeout = try raw.number(in: 0.001...1e6) },
            show: { $0.upstreamTimeout.settingText }),
        Setting(
            "headerTimeoutSeconds", flag: "header-timeout", env: "FREEDOMPAY_HEADER_TIMEOUT", default: "10",
            "Seconds until a request is complete (then 408; a connection that sent nothing is closed silently): from accept on a new connection; on a kept-alive one from the request's first byte (idleTimeoutSeconds applies before it).",
            apply: { raw, c throws(SettingError) in c.headerTimeout = try raw.number(in: 0.001...1e6) },
            show: { $0.headerTimeout.settingText }),
        Setting(
            "drainTimeoutSeconds", flag: "drain-timeout", env: "FREEDOMPAY_DRAIN_TIMEOUT", default: "25",
            "Seconds to finish in-flight requests on SIGTERM; must exceed the upstream timeout.",
            apply: { raw, c throws(SettingError) in c.drainTimeout = try raw.number(in: 0.001...1e6) },
            show: { $0.drainTimeout.settingText }),
        Setting(
            "logLevel", flag: "log-level", env: "FREEDOMPAY_LOG_LEVEL", default: "info",
            "trace, debug, info, notice, warning, error or critical.",
            apply: { raw, c throws(SettingError) in
                c.logLevel = Logger.Level(rawValue: try raw.choice(Logger.Level.allCases.map(\.rawValue)))!
            },
            show: { $0.logLevel.rawValue }),
        Setting(
            "eventLoops", flag: "event-loops", env: "FREEDOMPAY_EVENT_LOOPS", default: "the CPUs this process may use",
            "Event loops (threads serving sockets).",
            apply: { raw, c throws(SettingError) in c.eventLoops = try raw.integer(in: 1...256) },
            show: { $0.eventLoops.map(String.init) }),
        Setting(
            "upstreamProxy", flag: "upstream-proxy", env: "FREEDOMPAY_UPSTREAM_PROXY", default: "none (direct)",
            "http://host:port of an egress proxy to tunnel through with CONNECT; TLS to Freedom Pay runs inside. HTTPS_PROXY and friends are ignored.",
            apply: { raw, c throws(SettingError) in
                let url = try raw.string()
                do throws(UpstreamSetupError) { _ = try UpstreamProxy(url: url) } catch { throw SettingError(error.description) }
                c.upstreamProxy = url
            },
            show: { $0.upstreamProxy }),
        Setting(
            "upstreamProxyCredentialsFile", flag: "upstream-proxy-credentials-file", env: "FREEDOMPAY_UPSTREAM_PROXY_CREDENTIALS_FILE",
            default: "none", "File holding the proxy's user:password (basic); checked like the key file, never logged.",
            apply: { raw, c throws(SettingError) in c.upstreamProxyCredentialsFile = try raw.string() },
            show: { $0.upstreamProxyCredentialsFile }),
        Setting(
            "minimumTLSVersion", flag: "minimum-tls-version", env: "FREEDOMPAY_MINIMUM_TLS_VERSION", default: "1.2",
            "Lowest TLS version offered to Freedom Pay: 1.2 or 1.3.",
            apply: { raw, c throws(SettingError) in c.minimumTLSVersion = try raw.choice(["1.2", "1.3"]) },
            show: { $0.minimumTLSVersion }),
        Setting(
            "caBundle", flag: "ca-bundle", env: "FREEDOMPAY_CA_BUNDLE", default: "the system store",
            "PEM CA bundle for the upstream TLS connection; must be readable at start-up.",
            apply: { raw, c throws(SettingError) in c.caBundlePath = try raw.string() }, show: { $0.caBundlePath }),
        Setting(
            "pinnedPublicKey", flag: "pinned-public-key", env: "FREEDOMPAY_PINNED_PUBLIC_KEY", default: "none",
            "sha256//BASE64[;sha256//…]: SHA-256 of accepted server SubjectPublicKeyInfos, as libcurl spells it.",
            apply: { raw, c throws(SettingError) in
                let text = try raw.string()
                do throws(TLSSetupError) { _ = try TLSSettings.parsePinnedPublicKeys(text) } catch { throw SettingError(error.description) }
                c.pinnedPublicKey = text
            },
            show: { $0.pinnedPublicKey }),
        Setting(
            "allowCoreDumps", flag: "allow-core-dumps", env: "FREEDOMPAY_ALLOW_CORE_DUMPS", default: "false",
            "true keeps the process dumpable and its core limit (for debugging only): a core dump or /proc/PID/mem then holds the key. README 'Process protection'.",
            apply: { raw, c throws(SettingError) in c.allowCoreDumps = try raw.boolean() }, show: { String($0.allowCoreDumps) }),
        Setting(
            "upstreamConnectTimeoutSeconds", default: "5", "Seconds to establish TCP and TLS for one attempt.",
            apply: { raw, c throws(SettingError) in c.upstreamConnectTimeout = try raw.number(in: 0.001...1e6) },
            show: { $0.upstreamConnectTimeout.settingText }),
        Setting(
            "idleTimeoutSeconds", default: "60",
            "Seconds a client's kept-alive connection may wait for its next request, from the end of the previous answer (then closed silently; at maxConnections it is closed at once for a newcomer).",
            apply: { raw, c throws(SettingError) in c.idleTimeout = try raw.number(in: 0.001...1e6) },
            show: { $0.idleTimeout.settingText }),
        Setting(
            "maxConnections", default: "1024", "Client connections open at once.",
            apply: { raw, c throws(SettingError) in c.maxConnections = try raw.integer(in: 1...1_000_000) },
            show: { String($0.maxConnections) }),
        Setting(
            "maxAdminConnections", default: "64",
            "Admin listener connections open at once; idle or silent ones are closed first to make room.",
            apply: { raw, c throws(SettingError) in c.maxAdminConnections = try raw.integer(in: 1...1_000_000) },
            show: { String($0.maxAdminConnections) }),
        Setting(
            "maxBufferedBodyBytes", default: "16777216",
            "Request body bytes all connections may hold at once, reserved from Content-Length when a head arrives; past it 503 overloaded.",
            apply: { raw, c throws(SettingError) in c.maxBufferedBodyBytes = try raw.integer(in: 1...1_000_000_000) },
            show: { String($0.maxBufferedBodyBytes) }),
        Setting(
            "maxConcurrentUpstream", default: "64", "Upstream requests in flight at once (also the upstream connection limit).",
            apply: { raw, c throws(SettingError) in c.maxConcurrentUpstream = try raw.integer(in: 1...1_000_000) },
            show: { String($0.maxConcurrentUpstream) }),
        Setting(
            "maxQueuedUpstream", default: "256", "Upstream requests waiting for a connection; beyond it 503 overloaded.",
            apply: { raw, c throws(SettingError) in c.maxQueuedUpstream = try raw.integer(in: 1...1_000_000) },
            show: { String($0.maxQueuedUpstream) }),
        Setting(
            "idempotencyRecordLimit", default: "100000",
            "Request ids this process remembers, each with a keyed hash of its operation, to refuse a key reused for another operation (422); the oldest is forgotten first.",
            apply: { raw, c throws(SettingError) in c.idempotencyRecordLimit = try raw.integer(in: 1...10_000_000) },
            show: { String($0.idempotencyRecordLimit) }),
        Setting(
            "idempotencyRecordMaxAgeSeconds", default: "86400",
            "Seconds a remembered request id counts; expired entries are dropped lazily, with no timer.",
            apply: { raw, c throws(SettingError) in c.idempotencyRecordMaxAge = try raw.number(in: 1...1e8) },
            show: { $0.idempotencyRecordMaxAge.settingText }),
        Setting(
            "maxHeaderBytes", default: "16384", "Largest request head (then 431).",
            apply: { raw, c throws(SettingError) in c.limits.maxHeaderBytes = try raw.integer(in: 1...1_000_000) },
            show: { String($0.limits.maxHeaderBytes) }),
        Setting(
            "maxBodyBytes", default: "65536", "Largest request body (then 413).",
            apply: { raw, c throws(SettingError) in c.limits.maxBodyBytes = try raw.integer(in: 1...100_000_000) },
            show: { String($0.limits.maxBodyBytes) }),
        Setting(
            "keyReloadIntervalSeconds", default: "2", "Polling interval for key file changes, only where inotify is unavailable.",
            apply: { raw, c throws(SettingError) in c.keyReloadInterval = try raw.number(in: 0.001...1e6) },
            show: { $0.keyReloadInterval.settingText }),
        Setting(
            "unixSocketMode", default: "\"660\"", "Permissions (octal string) of a unix: listener's socket.",
            apply: { raw, c throws(SettingError) in
                let text = try raw.string()
                guard let mode = UInt32(text, radix: 8), mode <= 0o777 else { throw SettingError("must be octal like \"660\"") }
                c.unixSocketMode = mode
            },
            show: { String($0.unixSocketMode, radix: 8) }),
        Setting(
            "rejectUnverifiedAnswers", flag: "reject-unverified-answers", env: "FREEDOMPAY_REJECT_UNVERIFIED_ANSWERS", default: "false",
            "Merchant API (pg_sig) routes: answer 502 upstream_bad_signature instead of passing on an answer whose pg_sig does not verify.",
            apply: { raw, c throws(SettingError) in
                switch raw {
                case .json(.bool(let value)): c.rejectUnverifiedAnswers = value
                case .json: throw SettingError("must be true or false")
                case .text: c.rejectUnverifiedAnswers = try raw.choice(["true", "false"]) == "true"
                }
            },
            show: { $0.rejectUnverifiedAnswers ? "true" : "false" }),
        Setting(
            "routes", default: "refunds on /v5/g2g/edit", "The local paths, their actions, body schemas and credentials (README 'Routes').",
            apply: { raw, c throws(SettingError) in
                guard case .json(let value) = raw else { throw SettingError("can only be set in the config file") }
                c.routes = try RouteDecoder.decode(value)
            },
            show: { $0.routes.routes.map(\.path).joined(separator: ", ") }),
        Setting(
            "callbackListen", flag: "callback-listen", env: "FREEDOMPAY_CALLBACK_LISTEN", default: "off",
            "HOST:PORT of the callback listener, the one meant to face the internet through the ingress (README 'Callbacks').",
            apply: { raw, c throws(SettingError) in
                let text = try raw.string()
                c.callbackListen = text.isEmpty || text == "off" ? nil : text
            },
            show: { $0.callbackListen }),
        Setting(
            "callbacks", default: "none", "The callback paths: {path, forwardTo, scriptName, answer, credentials} (README 'Callbacks').",
            apply: { raw, c throws(SettingError) in
                guard case .json(let value) = raw else { throw SettingError("can only be set in the config file") }
                c.callbacks = try CallbackDecoder.decode(value)
            },
            show: { $0.callbacks.isEmpty ? nil : $0.callbacks.map(\.path).joined(separator: ", ") }),
        Setting(
            "callbackMaxConnections", default: "128", "Connections the callback listener keeps open at once.",
            apply: { raw, c throws(SettingError) in c.callbackMaxConnections = try raw.integer(in: 1...1_000_000) },
            show: { String($0.callbackMaxConnections) }),
        Setting(
            "callbackMaxBodyBytes", default: "16384", "Largest callback body (then 413); its head is limited to 8 KiB and 64 fields.",
            apply: { raw, c throws(SettingError) in c.callbackLimits.maxBodyBytes = try raw.integer(in: 1...1_000_000) },
            show: { String($0.callbackLimits.maxBodyBytes) }),
        Setting(
            "callbackAppTimeoutSeconds", default: "10", "Seconds the app has to answer a callback (then 504, and Freedom Pay retries).",
            apply: { raw, c throws(SettingError) in c.callbackAppTimeout = try raw.number(in: 0.001...1e6) },
            show: { $0.callbackAppTimeout.settingText }),
        Setting(
            "callbackRepeatMemory", default: "10000", "Callbacks remembered per process to mark repeats with X-FreedomPay-Repeat: true.",
            apply: { raw, c throws(SettingError) in c.callbackRepeatMemory = try raw.integer(in: 1...10_000_000) },
            show: { String($0.callbackRepeatMemory) }),
    ]

    /// Settings by file key.
    static let byKey: [String: Setting] = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })
}
