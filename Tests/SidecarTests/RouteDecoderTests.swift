import Foundation
import FreedomPayJWS
import Testing

@testable import Sidecar

@Suite struct RouteDecoderTests {
    /// The errors of a config file holding only `routes`.
    func errors(_ routes: String, environment: [String: String] = [:]) throws -> [String] {
        let path = NSTemporaryDirectory() + "sidecar-routes-\(UUID().uuidString).json"
        try #"{"routes":\#(routes)}"#.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return ConfigurationLoader.read(arguments: ["--config", path], environment: environment).errors
    }

    func routes(_ json: String, environment: [String: String] = [:]) throws -> [Route] {
        let path = NSTemporaryDirectory() + "sidecar-routes-\(UUID().uuidString).json"
        try #"{"routes":\#(json)}"#.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = ConfigurationLoader.read(arguments: ["--config", path], environment: environment)
        #expect(loaded.errors == [])
        return loaded.configuration.routes.routes
    }

    @Test func shorthandGivesEachActionItsDefaultSchemaUnlessBodyIsSet() throws {
        let decoded = try routes(
            #"[{"path":"/v5/g2g/edit","defaultAction":"gateway.payment.refund","allowedActions":["gateway.payment.refund","gateway.payment.reverse","x.custom"]}]"#
        )
        let route = try #require(decoded.first)
        #expect(route.allowedActions == ["gateway.payment.refund", "gateway.payment.reverse", "x.custom"])
        #expect(route.schema(for: "gateway.payment.refund") == .refund)
        #expect(route.schema(for: "gateway.payment.reverse") == .reverse)
        #expect(route.schema(for: "x.custom") == .jsonObject)
        #expect(route.headerLayout == .gateway)
        #expect(route.credentials.isEmpty)

        let forced = try routes(
            #"[{"path":"/v5/g2g/edit","defaultAction":"gateway.payment.refund","allowedActions":["gateway.payment.refund","gateway.payment.reverse"],"body":"json-object"}]"#
        )
        #expect(forced.first?.schema(for: "gateway.payment.refund") == .jsonObject)
        #expect(forced.first?.schema(for: "gateway.payment.reverse") == .jsonObject)
    }

    @Test func actionsCarryTheirOwnSchemas() throws {
        let decoded = try routes(
            #"[{"path":"/v5/g2g/read","defaultAction":"gateway.payment.status","actions":{"gateway.payment.status":{},"gateway.request.status":{"body":"request-status"},"x.any":{"body":"json-object"}},"headerLayout":"gateway"}]"#
        )
        let route = try #require(decoded.first)
        #expect(route.allowedActions == ["gateway.payment.status", "gateway.request.status", "x.any"])
        #expect(route.schema(for: "gateway.payment.status") == .paymentStatus)
        #expect(route.schema(for: "gateway.request.status") == .requestStatus)
        #expect(route.schema(for: "x.any") == .jsonObject)
    }

    @Test func actionsMayBeMarkedForIdempotencyAndUnmarkedOnesGetTheDefault() throws {
        let decoded = try routes(
            #"[{"path":"/v5/g2g/read","defaultAction":"gateway.payment.status","actions":{"gateway.payment.status":{},"x.read":{"idempotency":"optional"},"x.create":{"body":"json-object"},"gateway.request.status":{"idempotency":"required"}}},{"path":"/v5/g2g/edit","defaultAction":"gateway.payment.refund","allowedActions":["gateway.payment.refund","gateway.payment.reverse"]}]"#
        )
        let read = try #require(decoded.first)
        #expect(read.idempotency(for: "gateway.payment.status") == .optional, "a documented read")
        #expect(read.idempotency(for: "x.read") == .optional, "marked")
        #expect(read.idempotency(for: "x.create") == .required, "not known to be a read")
        #expect(read.idempotency(for: "gateway.request.status") == .required, "a mark overrides the default")
        #expect(decoded[1].idempotency(for: "gateway.payment.refund") == .required)
        #expect(decoded[1].idempotency(for: "gateway.payment.reverse") == .required)
        #expect(Route.refund.idempotency(for: "gateway.payment.refund") == .required)
        #expect(read.description.contains("x.read (json-object, idempotency optional)"))

        let problems = try errors(
            #"[{"path":"/v5/x","defaultAction":"x.a","actions":{"x.a":{"idempotency":"maybe"},"x.b":{"idempotency":true}}}]"#)
        #expect(
            problems.contains { $0.contains("route 1 (/v5/x): action 'x.a': idempotency 'maybe' is not valid; valid: required, optional") },
            "\(problems)")
        #expect(problems.contains { $0.contains("action 'x.b': idempotency a boolean is not valid") }, "\(problems)")
    }

    @Test func thePresetsMarkTheirReadsOptional() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        func preset(_ name: String) -> [Route] {
            ConfigurationLoader.read(arguments: ["--config", root.appendingPathComponent("config/\(name)").path], environment: [:])
                .configuration.routes.routes
        }
        var requirement: [String: IdempotencyRequirement] = [:]
        for name in ["gateway-full.json", "card-api.json", "invoice.json", "gateway-refunds.json", "production.json"] {
            for route in preset(name) {
                for action in route.allowedActions { requirement[action] = route.idempotency(for: action) }
                #expect(route.allowedActions.allSatisfy { route.idempotencyMarks[$0] != .required }, "only reads are marked")
            }
        }
        #expect(
            requirement == [
                "gateway.payment.status": .optional, "gateway.request.status": .optional, "card-api.request.status": .optional,
                "gateway.payment.refund": .required, "gateway.payment.reverse": .required, "gateway.payment.clearing": .required,
                "card-api.transaction.refund": .required, "invoice.init": .required, "gateway.payment.create": .required,
            ])
        #expect(preset("card-api.json").first?.idempotencyMarks == ["card-api.request.status": .optional])
    }

    @Test func credentialsAreDecodedAndKeyEnvIsReadFromTheEnvironment() throws {
        let decoded = try routes(
            #"[{"path":"/v5/invoice","defaultAction":"invoice.create","headerLayout":"invoice","credentials":{"authId":"42","alg":"HS512","keyEnv":"INVOICE_KEY","kid":"k1"}},{"path":"/v5/g2g/edit","defaultAction":"gateway.payment.refund","credentials":{"keyFile":"/run/k"}}]"#,
            environment: ["INVOICE_KEY": "secret"])
        #expect(decoded.count == 2)
        #expect(decoded[0].headerLayout == .invoice)
        #expect(
            decoded[0].credentials
                == RouteCredentials(authID: "42", algorithm: .hs512, key: .variable(name: "INVOICE_KEY", Array("secret".utf8)), keyID: "k1")
        )
        #expect(decoded[1].credentials == RouteCredentials(key: .file(path: "/run/k")))
        #expect(
            try errors(#"[{"path":"/i","defaultAction":"a","credentials":{"keyEnv":"MISSING_KEY"}}]"#).contains {
                $0.contains("keyEnv MISSING_KEY is not set")
            })
    }

    @Test(arguments: [
        (
            #"[{"path":"/a","defaultAction":"x","bdy":"refund"}]"#,
            "route 1 (/a): unknown key 'bdy'; valid keys: path, defaultAction, actions, allowedActions, body, headerLayout, credentials, signature, moneyMoving"
        ),
        (
            #"[{"path":"/a","defaultAction":"x"},{"path":"/a","defaultAction":"y"}]"#,
            "route 2 (/a): path /a is already used by route 1; each path may appear once"
        ),
        (#"[{"path":"v5/g2g/edit","defaultAction":"x"}]"#, "route 1 (v5/g2g/edit): path 'v5/g2g/edit' must start with /"),
        (#"[{"path":"/a?b","defaultAction":"x"}]"#, "route 1 (/a?b): path '/a?b' must be visible ASCII without a query or fragment"),
        (
            #"[{"path":"/a","defaultAction":"x","allowedActions":["y"]}]"#,
            "route 1 (/a): defaultAction 'x' is not one of the route's actions; valid: y"
        ),
        (
            #"[{"path":"/a","defaultAction":"x","actions":{"y":{}}}]"#,
            "route 1 (/a): defaultAction 'x' is not one of the route's actions; valid: y"
        ),
        (
            #"[{"path":"/a","defaultAction":"x","body":"refunds"}]"#,
            "route 1 (/a): body 'refunds' is not a known schema; valid: refund, clearing, reverse, payment-status, request-status, payment-create, json-object"
        ),
        (
            #"[{"path":"/a","defaultAction":"x","actions":{"x":{"body":"nope"}}}]"#,
            "route 1 (/a): action 'x': body 'nope' is not a known schema; valid: refund, clearing, reverse, payment-status, request-status, payment-create, json-object"
        ),
        (
            #"[{"path":"/a","defaultAction":"x","actions":{"x":{"schema":"refund"}}}]"#,
            "route 1 (/a): action 'x': unknown key 'schema'; valid keys: body, idempotency"
        ),
        (
            #"[{"path":"/a","defaultAction":"x","headerLayout":"Invoice"}]"#,
            "route 1 (/a): headerLayout 'Invoice' is not valid; valid: gateway, invoice"
        ),
        (
            #"[{"path":"/a","defaultAction":"x","headerLayout":{"pathField":"uri"}}]"#,
            "route 1 (/a): headerLayout an object is not valid; valid: gateway, invoice"
        ),
        (
            #"[{"path":"/a","defaultAction":"x","actions":{"x":{}},"allowedActions":["x"]}]"#,
            "route 1 (/a): give either 'actions' or the shorthand 'allowedActions'/'body', not both"
        ),
        (#"[{"path":"/a","defaultAction":"x","allowedActions":["x","x"]}]"#, "route 1 (/a): 'allowedActions' lists x more than once"),
        (
            #"[{"path":"/a","defaultAction":"x","allowedActions":[]}]"#,
            "route 1 (/a): 'allowedActions' must be a non-empty list of action names, got a list"
        ),
        (
            #"[{"path":"/a","defaultAction":"bad action"}]"#,
            "route 1 (/a): 'defaultAction' must be 1 to 255 visible ASCII characters, got 'bad action'"
        ),
        (#"[{"defaultAction":"x"}]"#, #"route 1: 'path' is required, e.g. "/v5/g2g/edit""#),
        (#"[{"path":"/a"}]"#, #"route 1 (/a): 'defaultAction' is required, e.g. "gateway.payment.refund""#),
        (#"["/a"]"#, "route 1: must be an object, got a string"),
        (#"{"path":"/a"}"#, "must be a list of routes, got an object"),
        (
            #"[{"path":"/a","defaultAction":"x","credentials":{"key":"s"}}]"#,
            "route 1 (/a): credentials: unknown key 'key'; valid keys: authId, alg, keyFile, keyEnv, kid"
        ),
        (
            #"[{"path":"/a","defaultAction":"x","credentials":{"alg":"none"}}]"#,
            "route 1 (/a): credentials: alg 'none' is not valid; valid: HS256, HS384, HS512, RS256, ES256"
        ),
        (
            #"[{"path":"/a","defaultAction":"x","credentials":{"keyFile":"/k","keyEnv":"K"}}]"#,
            "route 1 (/a): credentials: give either 'keyFile' or 'keyEnv', not both"
        ),
        (
            #"[{"path":"/a","defaultAction":"x","credentials":{"authId":""}}]"#,
            "route 1 (/a): credentials: 'authId' must be a non-empty string, got ''"
        ),
    ])
    func eachMistakeIsNamedWithItsRouteAndTheValidValues(_ json: String, message: String) throws {
        let found = try errors(json)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.hasSuffix("'routes': " + message) == true, "\(found)")
    }

    @Test func everyErrorOfEveryRouteIsReportedAtOnce() throws {
        let found = try errors(
            #"[{"path":"a","defaultAction":"x","extra":1},{"path":"/b","defaultAction":"x","headerLayout":"soap","body":"nope"},{"path":"/b","defaultAction":"y"},{"path":"/b","defaultAction":"z"}]"#
        )
        #expect(found.count == 5, "\(found)")
        #expect(found.filter { $0.contains("route 1 (a):") }.count == 2)
        #expect(found.filter { $0.contains("route 2 (/b):") }.count == 2)
        #expect(found.contains { $0.hasSuffix("route 3 (/b): path /b is already used by route 2; each path may appear once") } == false)
        #expect(found.contains { $0.hasSuffix("route 4 (/b): path /b is already used by route 3; each path may appear once") })
    }
}
