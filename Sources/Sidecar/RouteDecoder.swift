import FreedomPayJWS
import JSONCore

/// Reads the config file's `routes` array into a `RouteTable`, strictly: unknown keys,
/// duplicate paths, paths that could never match, a `defaultAction` outside the route's
/// actions and unknown schemas or layouts are errors. Every problem is reported, each
/// naming its route and the valid values.
enum RouteDecoder {
    static let routeKeys = [
        "path", "defaultAction", "actions", "allowedActions", "body", "headerLayout", "credentials", "signature", "moneyMoving",
    ]
    static let actionKeys = ["body", "idempotency"]
    static let credentialKeys = ["authId", "alg", "keyFile", "keyEnv", "kid"]

    static func decode(_ value: JSONValue) throws(SettingError) -> RouteTable {
        guard case .array(let items) = value else { throw SettingError("must be a list of routes, got \(kind(of: value))") }
        guard !items.isEmpty else { throw SettingError("is empty; give at least one route") }
        let routes = try decodeEach(items, noun: "route", path: \.path, decode: decodeRoute)
        return RouteTable(routes)
    }

    /// Each item decoded by `decode`, every problem reported under its label, and a path
    /// used twice refused; shared by `routes` and `callbacks` (`CallbackDecoder`).
    static func decodeEach<Item>(
        _ items: [JSONValue], noun: String, path: (Item) -> String, decode: (JSONValue, inout [String]) -> Item?
    ) throws(SettingError) -> [Item] {
        var errors: [String] = []
        var decoded: [Item] = []
        var firstIndex: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            var problems: [String] = []
            let value = decode(item, &problems)
            let name = label(index, item, noun: noun)
            errors += problems.map { "\(name): \($0)" }
            guard let value else { continue }
            if let first = firstIndex[path(value)] {
                errors.append("\(name): path \(path(value)) is already used by \(noun) \(first + 1); each path may appear once")
                continue
            }
            firstIndex[path(value)] = index
            decoded.append(value)
        }
        guard errors.isEmpty else { throw SettingError(messages: errors) }
        return decoded
    }

    /// Why `text` cannot be a listener path that requests match exactly, or nil when it can.
    static func pathProblem(_ text: String) -> String? {
        if !text.hasPrefix("/") { return "path '\(text.prefix(64))' must start with /" }
        if !text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) || text.contains("?") || text.contains("#") {
            return "path '\(text.prefix(64))' must be visible ASCII without a query or fragment"
        }
        return nil
    }

    /// "route 2 (/v5/g2g/edit)" — the 1-based position, and the path when there is one.
    static func label(_ index: Int, _ item: JSONValue, noun: String = "route") -> String {
        if case .object(let object) = item, case .string(let path)? = object["path"] {
            return "\(noun) \(index + 1) (\(path.prefix(64)))"
        }
        return "\(noun) \(index + 1)"
    }

    static func decodeRoute(_ item: JSONValue, problems: inout [String]) -> Route? {
        guard case .object(let object) = item else {
            problems.append("must be an object, got \(kind(of: item))")
            return nil
        }
        problems += unknownKeys(object, valid: routeKeys, in: "")

        var path: String?
        switch object["path"] {
        case nil: problems.append("'path' is required, e.g. \"/v5/g2g/edit\"")
        case .string(let text)?:
            if let problem = pathProblem(text) { problems.append(problem) } else { path = text }
        case let other?: problems.append("'path' must be a string, got \(kind(of: other))")
        }

        let signature = decodeSignature(object, problems: &problems)
        var defaultAction: String?
        switch object["defaultAction"] {
        case nil where signature == .pgSig:
            // A Merchant API script has no X-Action; its name stands for it in logs and metrics.
            defaultAction = path.map { MerchantScript.name(ofRoutePath: $0) }
        case nil: problems.append("'defaultAction' is required, e.g. \"gateway.payment.refund\"")
        case let value?: defaultAction = actionName(value, what: "'defaultAction'", problems: &problems)
        }

        var actions: [(String, BodySchema)]?
        if let value = object["actions"] {
            if object["allowedActions"] != nil || object["body"] != nil {
                problems.append("give either 'actions' or the shorthand 'allowedActions'/'body', not both")
            }
            actions = decodeActions(value, problems: &problems)
        } else {
            var names: [String]? = defaultAction.map { [$0] }
            if let value = object["allowedActions"] {
                names = nil
                if case .array(let list) = value, !list.isEmpty {
                    let decoded = list.compactMap { actionName($0, what: "an entry of 'allowedActions'", problems: &problems) }
                    let duplicates = Set(decoded.filter { name in decoded.filter { $0 == name }.count > 1 })
                    if !duplicates.isEmpty {
                        problems.append("'allowedActions' lists \(duplicates.sorted().joined(separator: ", ")) more than once")
                    }
                    if decoded.count == list.count, duplicates.isEmpty { names = decoded }
                } else {
                    problems.append("'allowedActions' must be a non-empty list of action names, got \(kind(of: value))")
                }
            }
            var body: BodySchema?
            if let value = object["body"] { body = schema(value, problems: &problems) }
            if let names, object["body"] == nil || body != nil {
                actions = names.map { ($0, body ?? BodySchema.defaultSchema(forAction: $0) ?? .jsonObject) }
            }
        }
        if let defaultAction, let actions, !actions.contains(where: { $0.0 == defaultAction }) {
            problems.append(
                "defaultAction '\(defaultAction)' is not one of the route's actions; valid: \(actions.map(\.0).joined(separator: ", "))")
        }

        var layout = JOSEHeaderLayout.gateway
        if let value = object["headerLayout"] {
            let names = JOSEHeaderLayout.named.map(\.name)
            if case .string(let name) = value, let found = JOSEHeaderLayout.named.first(where: { $0.name == name }) {
                layout = found.layout
            } else {
                problems.append("headerLayout \(shown(value)) is not valid; valid: \(names.joined(separator: ", "))")
            }
        }

        var credentials = RouteCredentials()
        if let value = object["credentials"] {
            credentials = decodeCredentials(value, problems: &problems)
        }

        var moneyMoving = true
        if signature == .pgSig {
            if credentials.key != nil { credentials.algorithm = .hs256 }  // the secret's bytes, whatever the main alg
        }
        if let value = object["moneyMoving"] {
            if signature != .pgSig {
                problems.append("'moneyMoving' applies to \"signature\": \"pg_sig\" routes only")
            } else if case .bool(let flag) = value {
                moneyMoving = flag
            } else {
                problems.append("'moneyMoving' must be true or false, got \(kind(of: value))")
            }
        }

        let idempotencyMarks = object["actions"].map { decodeIdempotencyMarks($0, problems: &problems) } ?? [:]

        guard let path, let defaultAction, let actions, problems.isEmpty else { return nil }
        var route = Route(
            path: path, defaultAction: defaultAction, actions: actions, headerLayout: layout, credentials: credentials,
            idempotencyMarks: idempotencyMarks)
        route.signature = signature
        route.moneyMoving = moneyMoving
        return route
    }

    /// `signature`: "jws" (the default) or "pg_sig". A `pg_sig` route signs forms, so the
    /// JWS keys `headerLayout`, `body` (route or action) and credentials `alg`/`kid` are errors.
    static func decodeSignature(_ object: [String: JSONValue], problems: inout [String]) -> RouteSignature {
        guard let value = object["signature"] else { return .jws }
        guard case .string(let name) = value, let signature = RouteSignature(rawValue: name) else {
            problems.append(
                "signature \(shown(value)) is not valid; valid: \(RouteSignature.allCases.map(\.rawValue).joined(separator: ", "))")
            return .jws
        }
        guard signature == .pgSig else { return signature }
        if case .string(let path)? = object["path"], MerchantScript.name(ofRoutePath: path).isEmpty {
            problems.append("a pg_sig route's path must end with the script name, e.g. /init_payment.php")
        }
        for key in ["headerLayout", "body"] where object[key] != nil {
            problems.append("'\(key)' does not apply to a pg_sig route (it signs forms, not JSON with a JOSE header)")
        }
        if case .object(let actions)? = object["actions"] {
            for (name, options) in actions.sorted(by: { $0.key < $1.key }) {
                if case .object(let fields) = options, fields["body"] != nil {
                    problems.append("action '\(name)': 'body' does not apply to a pg_sig route")
                }
            }
        }
        if case .object(let credentials)? = object["credentials"] {
            for key in ["alg", "kid"] where credentials[key] != nil {
                problems.append("credentials: '\(key)' does not apply to a pg_sig route (pg_sig is MD5 over the secret)")
            }
        }
        return signature
    }

    /// `{"<action>": {"body": "<schema>"}}`, in the order of the action names.
    static func decodeActions(_ value: JSONValue, problems: inout [String]) -> [(String, BodySchema)]? {
        guard case .object(let object) = value, !object.isEmpty else {
            problems.append(
                #"'actions' must be a non-empty object like {"gateway.payment.refund": {"body": "refund"}}, got "# + kind(of: value))
            return nil
        }
        var actions: [(String, BodySchema)] = []
        var valid = true
        for name in object.keys.sorted() {
            guard actionName(.string(name), what: "action name", problems: &problems) != nil else {
                valid = false
                continue
            }
            guard case .object(let options) = object[name]! else {
                problems.append("action '\(name)' must be an object like {\"body\": \"json-object\"}, got \(kind(of: object[name]!))")
                valid = false
                continue
            }
            let unknown = unknownKeys(options, valid: actionKeys, in: "action '\(name)': ")
            problems += unknown
            if !unknown.isEmpty { valid = false }
            if let body = options["body"] {
                if let schema = schema(body, problems: &problems, action: name) {
                    actions.append((name, schema))
                } else {
                    valid = false
                }
            } else {
                actions.append((name, BodySchema.defaultSchema(forAction: name) ?? .jsonObject))
            }
        }
        return valid ? actions : nil
    }

    /// Each action's `"idempotency": "required" | "optional"`, where given (`actions` entries
    /// that are not objects are reported by `decodeActions`).
    static func decodeIdempotencyMarks(_ value: JSONValue, problems: inout [String]) -> [String: IdempotencyRequirement] {
        guard case .object(let object) = value else { return [:] }
        var marks: [String: IdempotencyRequirement] = [:]
        for name in object.keys.sorted() {
            guard case .object(let options)? = object[name], let mark = options["idempotency"] else { continue }
            if case .string(let text) = mark, let requirement = IdempotencyRequirement(rawValue: text) {
                marks[name] = requirement
            } else {
                let valid = IdempotencyRequirement.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append("action '\(name.prefix(64))': idempotency \(shown(mark)) is not valid; valid: \(valid)")
            }
        }
        return marks
    }

    static func decodeCredentials(_ value: JSONValue, problems: inout [String]) -> RouteCredentials {
        guard case .object(let object) = value else {
            problems.append("'credentials' must be an object with \(credentialKeys.joined(separator: ", ")), got \(kind(of: value))")
            return RouteCredentials()
        }
        problems += unknownKeys(object, valid: credentialKeys, in: "credentials: ")
        func text(_ key: String) -> String? {
            guard let value = object[key] else { return nil }
            guard case .string(let text) = value, !text.isEmpty else {
                problems.append("credentials: '\(key)' must be a non-empty string, got \(shown(value))")
                return nil
            }
            return text
        }
        var credentials = RouteCredentials(authID: text("authId"), keyID: text("kid"))
        if let name = text("alg") {
            if let algorithm = JWSAlgorithm(rawValue: name) {
                credentials.algorithm = algorithm
            } else {
                problems.append(
                    "credentials: alg '\(name)' is not valid; valid: \(JWSAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        switch (text("keyFile"), text("keyEnv")) {
        case (let path?, nil): credentials.key = .file(path: path)
        case (nil, let name?): credentials.key = .variable(name: name, [])
        case (_?, _?): problems.append("credentials: give either 'keyFile' or 'keyEnv', not both")
        case (nil, nil): break
        }
        return credentials
    }

    static func schema(_ value: JSONValue, problems: inout [String], action: String? = nil) -> BodySchema? {
        if case .string(let name) = value, let schema = BodySchema(rawValue: name) { return schema }
        let owner = action.map { "action '\($0)': " } ?? ""
        problems.append(
            "\(owner)body \(shown(value)) is not a known schema; valid: \(BodySchema.allCases.map(\.rawValue).joined(separator: ", "))")
        return nil
    }

    /// An action goes out as the `X-Action` header: 1 to 255 visible ASCII characters.
    static func actionName(_ value: JSONValue, what: String, problems: inout [String]) -> String? {
        guard case .string(let name) = value, (1...255).contains(name.utf8.count), name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            problems.append("\(what) must be 1 to 255 visible ASCII characters, got \(shown(value))")
            return nil
        }
        return name
    }

    static func unknownKeys(_ object: [String: JSONValue], valid: [String], in context: String) -> [String] {
        let unknown = object.keys.filter { !valid.contains($0) }.sorted()
        guard !unknown.isEmpty else { return [] }
        let list = unknown.map { "'\($0.prefix(64))'" }.joined(separator: ", ")
        return ["\(context)unknown key\(unknown.count > 1 ? "s" : "") \(list); valid keys: \(valid.joined(separator: ", "))"]
    }

    static func shown(_ value: JSONValue) -> String {
        if case .string(let text) = value { return "'\(text.prefix(64))'" }
        return kind(of: value)
    }

    static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }
}
