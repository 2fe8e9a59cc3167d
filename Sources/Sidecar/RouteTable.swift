import FreedomPayJWS

/// Credentials a route may carry instead of the main ones; each nil field falls back to the
/// main setting (`authId`, `alg`, `keyFile`/`FREEDOMPAY_KEY`, `kid`).
public struct RouteCredentials: Sendable, Equatable {
    public var authID: String?
    public var algorithm: JWSAlgorithm?
    public var key: KeySource?
    public var keyID: String?

    public init(authID: String? = nil, algorithm: JWSAlgorithm? = nil, key: KeySource? = nil, keyID: String? = nil) {
        self.authID = authID
        self.algorithm = algorithm
        self.key = key
        self.keyID = keyID
    }

    public var isEmpty: Bool { self == RouteCredentials() }
}

/// One local path that mirrors an upstream endpoint.
public struct Route: Sendable, Equatable {
    public var path: String
    /// Used when the client sends no `X-Action`.
    public var defaultAction: String
    /// Every action a client may request on this path, in configuration order; anything else is a 403.
    public var allowedActions: [String]
    /// The body schema of each allowed action.
    public var schemas: [String: BodySchema]
    /// The actions the configuration marks `"idempotency"`; every other action gets
    /// `IdempotencyRequirement.defaultRequirement(forAction:)` (see `idempotency(for:)`).
    public var idempotencyMarks: [String: IdempotencyRequirement]
    /// JOSE header field names for this API (the Gateway's by default).
    public var headerLayout: JOSEHeaderLayout
    public var credentials: RouteCredentials
    /// How requests on this route are signed: the v5 detached JWS, or the Merchant API's
    /// `pg_sig` (README "Merchant API").
    public var signature: RouteSignature = .jws
    /// `pg_sig` routes: whether the script moves money (stricter checks; see `MerchantScript`).
    public var moneyMoving = true

    /// The shorthand form: `body` for every action, or (nil) each action's
    /// `BodySchema.defaultSchema(forAction:)`, else `json-object`.
    public init(
        path: String, defaultAction: String, allowedActions: [String]? = nil, body: BodySchema? = nil,
        headerLayout: JOSEHeaderLayout = .gateway, credentials: RouteCredentials = RouteCredentials()
    ) {
        let actions = allowedActions ?? [defaultAction]
        self.init(
            path: path, defaultAction: defaultAction,
            actions: actions.map { ($0, body ?? BodySchema.defaultSchema(forAction: $0) ?? .jsonObject) },
            headerLayout: headerLayout, credentials: credentials)
    }

    /// The full form: each action with its own schema.
    public init(
        path: String, defaultAction: String, actions: [(String, BodySchema)], headerLayout: JOSEHeaderLayout = .gateway,
        credentials: RouteCredentials = RouteCredentials(), idempotencyMarks: [String: IdempotencyRequirement] = [:]
    ) {
        self.path = path
        self.defaultAction = defaultAction
        self.allowedActions = actions.map(\.0)
        self.schemas = Dictionary(actions, uniquingKeysWith: { first, _ in first })
        self.headerLayout = headerLayout
        self.credentials = credentials
        self.idempotencyMarks = idempotencyMarks
    }

    /// Whether `action` needs `Idempotency-Key` or `X-Request-Id`: its mark, else the default.
    public func idempotency(for action: String) -> IdempotencyRequirement {
        idempotencyMarks[action] ?? IdempotencyRequirement.defaultRequirement(forAction: action)
    }

    /// The schema of an allowed action (`json-object` for any other, which is refused before validation).
    public func schema(for action: String) -> BodySchema { schemas[action] ?? .jsonObject }

    /// The default: refunds on `/v5/g2g/edit`, nothing else.
    public static let refund = Route(path: "/v5/g2g/edit", defaultAction: "gateway.payment.refund", body: .refund)
}

/// Finds the route of a request path; exact matches only.
public struct RouteTable: Sendable, Equatable {
    public let routes: [Route]

    public init(_ routes: [Route]) {
        self.routes = routes
    }

    public func route(for path: Substring) -> Route? {
        routes.first { $0.path == path }
    }
}

extension JOSEHeaderLayout {
    /// The layouts a route may name, by configuration name.
    public static let named: [(name: String, layout: JOSEHeaderLayout)] = [("gateway", .gateway), ("invoice", .invoice)]

    /// `gateway`, `invoice`, or the field names of a custom layout.
    public var name: String {
        JOSEHeaderLayout.named.first { $0.layout == self }?.name ?? "\(pathField)/\(merchantField)"
    }
}

extension Route: CustomStringConvertible {
    /// One line for `check-config`.
    public var description: String {
        let actions = allowedActions.map { "\($0) (\(schema(for: $0).rawValue), idempotency \(idempotency(for: $0).rawValue))" }
            .joined(separator: ", ")
        var text = "default \(defaultAction); actions \(actions); header \(headerLayout.name)"
        if signature == .pgSig {
            text =
                "pg_sig script \(MerchantScript.name(ofRoutePath: path)); \(moneyMoving ? "money-moving" : "read-only"); default \(defaultAction)"
        }
        if let authID = credentials.authID { text += "; authId \(authID)" }
        if let algorithm = credentials.algorithm { text += "; alg \(algorithm.rawValue)" }
        if let key = credentials.key { text += "; key \(key)" }
        if let keyID = credentials.keyID { text += "; kid \(keyID)" }
        return text
    }
}
