import FreedomPayJWS

/// What `sign` signs with: a configured route's path, layout and credentials, or a one-off
/// path and layout with the main credentials — the same header bytes `serve` would send.
public struct SigningRequest: Sendable {
    public let header: JOSEHeader
    let key: SigningKey
    /// With `--route`: the body schema of the action, checked before signing as `serve` does.
    let schema: BodySchema?

    public init(
        configuration: SidecarConfiguration, route routePath: String?, action: String?, uri: String?, headerLayout: String?, method: String
    ) throws(StartupError) {
        let path: String
        let layout: JOSEHeaderLayout
        var credentials = RouteCredentials()
        var schema: BodySchema?
        if let routePath {
            guard headerLayout == nil else { throw StartupError("--header-layout is the route's with --route; leave it out") }
            guard let route = configuration.routes.route(for: routePath[...]) else {
                let known = configuration.routes.routes.map(\.path).joined(separator: ", ")
                throw StartupError("no route \(routePath) is configured; routes: \(known)")
            }
            if let uri, uri != route.path { throw StartupError("--uri \(uri) differs from the route's path \(route.path)") }
            guard route.signature == .jws else {
                throw StartupError("route \(route.path) is signed with pg_sig (Merchant API); sign computes X-JWS-Signature only")
            }
            if let action, !route.allowedActions.contains(action) {
                throw StartupError(
                    "action \(action) is not allowed on \(route.path); allowed: \(route.allowedActions.joined(separator: ", "))")
            }
            path = route.path
            layout = route.headerLayout
            schema = route.schema(for: action ?? route.defaultAction)
            credentials = route.credentials
        } else {
            guard action == nil else { throw StartupError("--action needs --route") }
            guard let uri else { throw StartupError("give --uri PATH (or --route PATH with --config)") }
            path = uri
            switch headerLayout ?? "gateway" {
            case "gateway": layout = .gateway
            case "invoice": layout = .invoice
            case let other: throw StartupError("--header-layout must be gateway or invoice, got '\(other)'")
            }
        }
        guard path.hasPrefix("/") else { throw StartupError("--uri must be a path starting with /, got '\(path.prefix(64))'") }
        // A route's own credentials win, field by field, as in `serve`.
        let merchantID = credentials.authID ?? configuration.authID
        let algorithm = credentials.algorithm ?? configuration.algorithm
        guard !merchantID.isEmpty else { throw StartupError("no merchant id: set --auth-id or FREEDOMPAY_AUTH_ID") }
        guard let source = credentials.key ?? configuration.key else {
            throw StartupError("no key: set --key-file, FREEDOMPAY_KEY_FILE or FREEDOMPAY_KEY")
        }
        do {
            key = try KeyStore(source: source, algorithm: algorithm).key
        } catch {
            throw StartupError(error.description)
        }
        if layout.merchantIsNumber, !merchantID.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            throw StartupError(
                "the \(layout.merchantField) of this header layout is a number; merchant id '\(merchantID)' is not")
        }
        self.schema = schema
        header = layout.header(
            path: path, merchantID: merchantID, method: method, algorithm: algorithm, keyID: credentials.keyID ?? configuration.keyID)
    }

    /// The detached JWS over `body`; with a route, only for a body `serve` would accept
    /// (its `invalid_body` message otherwise).
    public func sign(_ body: [UInt8]) throws(StartupError) -> String {
        if let schema {
            do throws(SidecarError) {
                try BodyValidator().validate(body, schema: schema)
            } catch {
                throw StartupError("\(error.code): \(error.message)")
            }
        }
        return DetachedJWS.sign(header: header, payload: body, key: key)
    }
}
