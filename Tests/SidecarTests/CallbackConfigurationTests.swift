import Foundation
import Testing

@testable import Sidecar

@Suite struct CallbackConfigurationTests {
    /// What the loader makes of a config file holding `body`.
    func load(_ body: String, environment: [String: String] = [:]) throws -> LoadedConfiguration {
        let path = NSTemporaryDirectory() + "sidecar-callbacks-\(UUID().uuidString).json"
        try body.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return ConfigurationLoader.read(arguments: ["--config", path], environment: environment)
    }

    @Test func entriesTakeTheirDefaults() throws {
        let loaded = try load(
            #"{"callbackListen":"0.0.0.0:18081","callbacks":[{"path":"/freedompay/result","forwardTo":"http://127.0.0.1:8000/app/result/"},{"path":"/p/payout","forwardTo":"https://app.internal/payout","scriptName":"post","answer":"pass-through","credentials":{"authId":"654321","keyEnv":"PAYOUT_KEY"}}]}"#,
            environment: ["PAYOUT_KEY": "payout-secret"])
        #expect(loaded.errors == [])
        let callbacks = loaded.configuration.callbacks
        #expect(loaded.configuration.callbackListen == "0.0.0.0:18081")
        #expect(callbacks.count == 2)
        #expect(callbacks[0].scriptName == "result", "the path's last segment")
        #expect(callbacks[0].answer == .signedXML)
        #expect(callbacks[0].forwardTo == "http://127.0.0.1:8000/app/result")
        #expect(callbacks[0].credentials.isEmpty)
        #expect(callbacks[1].scriptName == "post")
        #expect(callbacks[1].answer == .passThrough)
        #expect(callbacks[1].credentials.authID == "654321")
        #expect(callbacks[1].credentials.key == .variable(name: "PAYOUT_KEY", Array("payout-secret".utf8)))
    }

    @Test func checkConfigListsEachCallback() throws {
        let loaded = try load(
            #"{"callbackListen":"127.0.0.1:18081","callbacks":[{"path":"/freedompay/payout","forwardTo":"https://app.internal/p","answer":"pass-through","credentials":{"authId":"654321"}}]}"#
        )
        let report = ConfigurationReport(loaded, environment: [:])
        #expect(
            report.lines.contains(
                "callback /freedompay/payout: forwardTo https://app.internal/p; scriptName payout; answer pass-through; authId 654321"))
        #expect(report.lines.contains { $0.hasPrefix("callbackListen") && $0.contains("127.0.0.1:18081  [file]") })
    }

    @Test func badEntriesAreEachReported() throws {
        let loaded = try load(
            #"{"callbacks":[{"path":"/a","forwardTo":"http://app.internal/a"},{"path":"/b/","forwardTo":"http://127.0.0.1/b"},{"path":"/c","forwardTo":"http://127.0.0.1/c","answer":"xml"},{"path":"/d","forwardTo":"http://127.0.0.1/d","credentials":{"alg":"HS512"}},{"path":"/a","forwardTo":"http://127.0.0.1/a"},{"path":"/e","forwardTo":"http://127.0.0.1/e","scriptName":"a;b"},{"path":"/f","forwardTo":"http://127.0.0.1/f?x=1"},{"path":"/g","forwardTo":"http://127.0.0.1/g","extra":1}]}"#
        )
        let text = loaded.errors.joined(separator: "\n")
        #expect(text.contains("callback 1 (/a): forwardTo 'http://app.internal/a': must be https://"))
        #expect(text.contains("callback 2 (/b/): path /b/ ends with /: give 'scriptName'"))
        #expect(text.contains("callback 3 (/c): answer 'xml' is not valid; valid: signed-xml, pass-through"))
        #expect(text.contains("callback 4 (/d): credentials: 'alg' and 'kid' do not apply"))
        #expect(text.contains("callback 5 (/a): path /a is already used by callback 1") == false, "callback 1 was refused")
        #expect(text.contains("callback 6 (/e): scriptName 'a;b' must be visible ASCII without ';'"))
        #expect(text.contains("callback 7 (/f): forwardTo"))
        #expect(text.contains("callback 8 (/g): unknown key 'extra'"))
    }

    @Test func pathsAreCheckedAsRoutePathsAre() throws {
        let loaded = try load(
            #"{"callbacks":[{"path":"freedompay/result","forwardTo":"http://127.0.0.1/r"},{"path":"/r?x=1","forwardTo":"http://127.0.0.1/r"}]}"#
        )
        let text = loaded.errors.joined(separator: "\n")
        #expect(text.contains("callback 1 (freedompay/result): path 'freedompay/result' must start with /"))
        #expect(text.contains("callback 2 (/r?x=1): path '/r?x=1' must be visible ASCII without a query or fragment"))
    }

    @Test func aMissingKeyVariableIsReported() throws {
        let loaded = try load(#"{"callbacks":[{"path":"/h","forwardTo":"http://127.0.0.1/h","credentials":{"keyEnv":"MISSING"}}]}"#)
        #expect(loaded.errors.joined().contains("callback /h: keyEnv MISSING is not set"))
    }

    @Test func duplicatePathsAreRefused() throws {
        let loaded = try load(
            #"{"callbacks":[{"path":"/a","forwardTo":"http://127.0.0.1/a"},{"path":"/a","forwardTo":"http://127.0.0.1/b"}]}"#)
        #expect(loaded.errors.joined().contains("callback 2 (/a): path /a is already used by callback 1"))
    }

    @Test func listenerAndCallbacksComeTogether() {
        var configuration = SidecarConfiguration()
        configuration.authID = "123456"
        configuration.key = .inline(Array("secret".utf8))
        configuration.callbackListen = "127.0.0.1:0"
        #expect(callbackProblems(configuration).contains { $0.contains("callbackListen is set but no callbacks are configured") })
        configuration.callbackListen = nil
        configuration.callbacks = [CallbackRoute(path: "/r", forwardTo: "http://127.0.0.1:1/r")]
        #expect(callbackProblems(configuration).contains { $0.contains("callbacks are configured but callbackListen is off") })
        configuration.callbackListen = "127.0.0.1:0"
        #expect(callbackProblems(configuration) == [])
        configuration.callbackListen = "nowhere"
        #expect(callbackProblems(configuration).contains { $0.hasPrefix("callbackListen:") })
    }

    @Test func callbackListenFlagAndEnvironment() {
        let flag = ConfigurationLoader.read(arguments: ["--callback-listen", "0.0.0.0:18081"], environment: [:])
        #expect(flag.configuration.callbackListen == "0.0.0.0:18081")
        let off = ConfigurationLoader.read(arguments: [], environment: ["FREEDOMPAY_CALLBACK_LISTEN": "off"])
        #expect(off.configuration.callbackListen == nil)
        #expect(ConfigurationLoader.read(arguments: [], environment: [:]).configuration.callbackListen == nil, "off by default")
    }
}
