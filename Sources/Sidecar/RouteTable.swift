import FreedomPayJWS

/// How a route's body is checked before anything is signed.
public enum BodyPolicy: String, Sendable, Codable, Equatable {
    /// `{"id": UUID string, "amount": finite number > 0, ...}`
    case refund
    /// Any JSON object.
    case jsonObject = "json-object"
}

/// One local path that mirrors an upstream endpoint.
public struct Route: Sendable, Codable, Equatable {
    public var path: String
    /// Used when the client sends no `X-Action`.
    public var defaultAction: String
    /// Every action a client may request on this path; anything else is a 403.
    public var allowedActions: [String]
    public var body: BodyPolicy
    /// JOSE header field names for this API (the Gateway's by default).
    public var headerLayout: JOSEHeaderLayout

    public init(
        path: String, defaultAction: String, allowedActions: [String]? = nil, body: BodyPolicy = .jsonObject,
        headerLayout: JOSEHeaderLayout = .gateway
    ) {
        self.path = path
        self.defaultAction = defaultAction
        self.allowedActions = allowedActions ?? [defaultAction]
        self.body = body
        self.headerLayout = headerLayout
    }

    /// The default: refunds on `/v5/g2g/edit`, nothing else.
    public static let refund = Route(path: "/v5/g2g/edit", defaultAction: "gateway.payment.refund", body: .refund)

    enum CodingKeys: String, CodingKey { case path, defaultAction, allowedActions, body, headerLayout }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decode(String.self, forKey: .path)
        defaultAction = try container.decode(String.self, forKey: .defaultAction)
        allowedActions = try container.decodeIfPresent([String].self, forKey: .allowedActions) ?? [defaultAction]
        body = try container.decodeIfPresent(BodyPolicy.self, forKey: .body) ?? .jsonObject
        headerLayout = try container.decodeIfPresent(JOSEHeaderLayout.self, forKey: .headerLayout) ?? .gateway
    }
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

extension Route: CustomStringConvertible {
    /// One line for `check-config`.
    public var description: String {
        "default \(defaultAction); allowed \(allowedActions.joined(separator: ", ")); body \(body.rawValue); header \(headerLayout.pathField)/\(headerLayout.merchantField)"
    }
}
