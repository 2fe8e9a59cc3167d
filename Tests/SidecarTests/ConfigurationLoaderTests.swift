import Foundation
import Testing

@testable import Sidecar

@Suite struct ConfigurationLoaderTests {
    func writeConfig(_ json: String) throws -> String {
        let path = NSTemporaryDirectory() + "sidecar-config-\(UUID().uuidString).json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func defaultsAreSafe() throws {
        let configuration = try ConfigurationLoader.load(arguments: [], environment: [:])
        #expect(configuration.listen == "127.0.0.1:18080")
        #expect(configuration.adminListen == "127.0.0.1:19090")
        #expect(configuration.upstream == nil, "never implied")
        #expect(configuration.algorithm == .hs256)
        #expect(configuration.routes.routes == [.refund])
        #expect(configuration.limits.maxHeaderBytes == 16384 && configuration.limits.maxBodyBytes == 65536)
    }

    @Test func flagsOverrideEnvironmentWhichOverridesTheFile() throws {
        let path = try writeConfig(
            #"{"listen":"127.0.0.1:1001","adminListen":"127.0.0.1:2001","authId":"file","alg":"HS512","upstreamTimeoutSeconds":7,"keyFile":"/file/key"}"#
        )
        let flags = ["--listen", "127.0.0.1:1003", "--config", path]
        let environment = [
            "FREEDOMPAY_LISTEN": "127.0.0.1:1002", "FREEDOMPAY_ADMIN_LISTEN": "127.0.0.1:2002", "FREEDOMPAY_UPSTREAM_TIMEOUT": "9",
        ]
        let configuration = try ConfigurationLoader.load(arguments: flags, environment: environment)
        #expect(configuration.listen == "127.0.0.1:1003")
        #expect(configuration.adminListen == "127.0.0.1:2002")
        #expect(configuration.authID == "file")
        #expect(configuration.algorithm == .hs512)
        #expect(configuration.upstreamTimeout == 9)
        #expect(configuration.key == .file(path: "/file/key"))
    }

    @Test func configFileComesFromTheEnvironmentWhenNoFlag() throws {
        let path = try writeConfig(
            #"{"authId":"from-env-file","upstream":"https://api.freedompay.kz","routes":[{"path":"/v5/g2g/read","defaultAction":"gateway.payment.status"}]}"#
        )
        let configuration = try ConfigurationLoader.load(arguments: [], environment: ["FREEDOMPAY_CONFIG": path])
        #expect(configuration.authID == "from-env-file")
        #expect(configuration.upstream == .url("https://api.freedompay.kz"))
        #expect(configuration.routes.routes == [Route(path: "/v5/g2g/read", defaultAction: "gateway.payment.status")])
    }

    @Test func keyFileWinsOverInlineKey() throws {
        let flags = ["--key-file", "/run/secrets/key"]
        #expect(
            try ConfigurationLoader.load(arguments: flags, environment: ["FREEDOMPAY_KEY": "inline"]).key == .file(path: "/run/secrets/key")
        )
        #expect(try ConfigurationLoader.load(arguments: [], environment: ["FREEDOMPAY_KEY": "inline"]).key == .inline(Array("inline".utf8)))
        // The environment's key beats the file's key file (flags > environment > file).
        let path = try writeConfig(#"{"keyFile":"/file/key"}"#)
        #expect(
            try ConfigurationLoader.load(arguments: ["--config", path], environment: ["FREEDOMPAY_KEY": "inline"]).key
                == .inline(Array("inline".utf8)))
        #expect(try ConfigurationLoader.load(arguments: ["--config", path], environment: [:]).key == .file(path: "/file/key"))
    }

    @Test func unsafeCombinationsAreRefusedAtStartup() throws {
        var configuration = SidecarConfiguration()
        configuration.authID = "1"
        configuration.key = .inline(Array("k".utf8))
        #expect(throws: StartupError.self) { try validateConfiguration(configuration) }
        configuration.upstream = .sandbox
        try validateConfiguration(configuration)
        configuration.drainTimeout = configuration.upstreamTimeout
        #expect(throws: StartupError.self) { try validateConfiguration(configuration) }
        configuration.drainTimeout = 25
        for url in ["https://api.freedompay.kz/prefix", "http://api.freedompay.kz", "ftp://127.0.0.1"] {
            configuration.upstream = .url(url)
            #expect(throws: StartupError.self) { try validateConfiguration(configuration) }
        }
        configuration.upstream = .url("https://api.freedompay.kz")
        try validateConfiguration(configuration)
    }

    /// Each bad file is refused with a reason that names what is wrong in it.
    @Test(arguments: [
        (#"{"lisen":"127.0.0.1:1"}"#, "lisen"), (#"{"alg":"none"}"#, "alg"),
        (#"{"upstreamTimeoutSeconds":"10"}"#, "upstreamTimeoutSeconds"), (#"{"logLevel":"loud"}"#, "logLevel"),
        (#"{"routes":[]}"#, "routes"), (#"{"maxConnections":1e300}"#, "maxConnections"),
        (#"{"routes":[{"path":"/x"}]}"#, "routes"), (#"{"unixSocketMode":"999"}"#, "unixSocketMode"), ("[1]", "not a JSON object"),
    ])
    func invalidFilesAreRefusedNamingTheProblem(_ json: String, _ named: String) throws {
        let path = try writeConfig(json)
        let error = #expect(throws: StartupError.self) { try ConfigurationLoader.load(arguments: ["--config", path], environment: [:]) }
        #expect(error?.description.contains(named) == true, "\(error?.description ?? "no error")")
    }

    @Test func shippedExamplesParse() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for name in ["production.json", "sandbox.json", "gateway-refunds.json", "gateway-full.json", "card-api.json", "invoice.json"] {
            let path = root.appendingPathComponent("config/\(name)").path
            _ = try ConfigurationLoader.load(arguments: ["--config", path], environment: [:])
        }
    }

    @Test func presetsHoldTheirRoutes() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        func preset(_ name: String) throws -> SidecarConfiguration {
            try ConfigurationLoader.load(arguments: ["--config", root.appendingPathComponent("config/\(name)").path], environment: [:])
        }
        #expect(try preset("gateway-refunds.json").routes.routes == SidecarConfiguration().routes.routes, "today's default")

        let full = try preset("gateway-full.json").routes
        let create = try #require(full.route(for: "/v5/g2g/create"))
        #expect(create.defaultAction == "gateway.payment.create")
        #expect(create.schemas == ["gateway.payment.create": .paymentCreate])
        let read = try #require(full.route(for: "/v5/g2g/read"))
        #expect(read.defaultAction == "gateway.payment.status")
        #expect(read.schemas == ["gateway.payment.status": .paymentStatus, "gateway.request.status": .requestStatus])
        let edit = try #require(full.route(for: "/v5/g2g/edit"))
        #expect(edit.defaultAction == "gateway.payment.refund")
        #expect(
            edit.schemas == ["gateway.payment.refund": .refund, "gateway.payment.reverse": .reverse, "gateway.payment.clearing": .clearing])

        let card = try preset("card-api.json")
        #expect(card.algorithm == .hs512)
        #expect(card.routes.routes.allSatisfy { $0.headerLayout == .gateway && $0.path.hasPrefix("/v5/card-api/") })

        let invoice = try preset("invoice.json")
        #expect(invoice.algorithm == .hs512)
        #expect(invoice.routes.routes.map(\.path) == ["/v5/merchant/invoice/init"])
        #expect(invoice.routes.routes.first?.headerLayout == .invoice)
    }
}
