import Foundation
import Testing

@testable import Sidecar

/// Issue 17 §2: an unknown FREEDOMPAY_* variable is an error, as an unknown flag is.
@Suite struct EnvironmentNamesTests {
    let base = ["FREEDOMPAY_UPSTREAM": "sandbox", "FREEDOMPAY_AUTH_ID": "123456", "FREEDOMPAY_KEY": "k"]

    @Test func aMisspelledVariableIsAnErrorWithADidYouMean() {
        var environment = base
        environment["FREEDOMPAY_LOGLEVEL"] = "debug"
        environment["FREEDOMPAY_UPSTREAM_TIMEOUT_SECONDS"] = "5"
        environment["FREEDOMPAY_LISTEN_PORT"] = "18080"
        environment["FREEDOMPAY_ZZZZZZZZZZZZ"] = "1"
        let loaded = ConfigurationLoader.read(arguments: [], environment: environment)
        #expect(
            loaded.errors == [
                "unknown environment variable FREEDOMPAY_LISTEN_PORT; did you mean FREEDOMPAY_LISTEN?",
                "unknown environment variable FREEDOMPAY_LOGLEVEL; did you mean FREEDOMPAY_LOG_LEVEL?",
                "unknown environment variable FREEDOMPAY_UPSTREAM_TIMEOUT_SECONDS; did you mean FREEDOMPAY_UPSTREAM_TIMEOUT?",
                "unknown environment variable FREEDOMPAY_ZZZZZZZZZZZZ",
            ])
    }

    @Test func everyKnownVariableAndOtherPrefixesAreAccepted() {
        var environment = base
        environment["FREEDOMPAY_LOG_LEVEL"] = "debug"
        environment["FREEDOMPAYX"] = "not ours"
        environment["PATH"] = "/usr/bin"
        #expect(ConfigurationLoader.read(arguments: [], environment: environment).errors.isEmpty)
    }

    /// What Kubernetes injects for a Service named `freedompay-sidecar` (port name `http`).
    @Test func kubernetesServiceLinkVariablesAreIgnored() {
        var environment = base
        for (name, value) in [
            ("FREEDOMPAY_SIDECAR_SERVICE_HOST", "10.0.0.7"), ("FREEDOMPAY_SIDECAR_SERVICE_PORT", "18080"),
            ("FREEDOMPAY_SIDECAR_SERVICE_PORT_HTTP", "18080"), ("FREEDOMPAY_SIDECAR_PORT", "tcp://10.0.0.7:18080"),
            ("FREEDOMPAY_SIDECAR_PORT_18080_TCP", "tcp://10.0.0.7:18080"), ("FREEDOMPAY_SIDECAR_PORT_18080_TCP_PROTO", "tcp"),
            ("FREEDOMPAY_SIDECAR_PORT_18080_TCP_PORT", "18080"), ("FREEDOMPAY_SIDECAR_PORT_18080_TCP_ADDR", "10.0.0.7"),
            ("FREEDOMPAY_SERVICE_HOST", "10.0.0.8"), ("FREEDOMPAY_PORT", "tcp://10.0.0.8:443"),
        ] {
            environment[name] = value
        }
        #expect(ConfigurationLoader.read(arguments: [], environment: environment).errors.isEmpty)
        #expect(!EnvironmentNames.isServiceLink("FREEDOMPAY_SIDECAR_PORT", value: "18080"))
        #expect(!EnvironmentNames.isServiceLink("FREEDOMPAY_SIDECAR_PORT_18080_TCP_HOST", value: "x"))
    }

    @Test func aVariableARoutesKeyEnvNamesIsAccepted() throws {
        let path = NSTemporaryDirectory() + "routes-\(UUID().uuidString).json"
        let json =
            #"{"routes":[{"path":"/v5/invoice","defaultAction":"invoice.create","credentials":{"keyEnv":"FREEDOMPAY_INVOICE_KEY"}}]}"#
        try json.write(toFile: path, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var environment = base
        environment["FREEDOMPAY_INVOICE_KEY"] = "invoice-secret"
        environment["FREEDOMPAY_INVOICE_KEYS"] = "typo"
        let loaded = ConfigurationLoader.read(arguments: ["--config", path], environment: environment)
        #expect(loaded.errors == ["unknown environment variable FREEDOMPAY_INVOICE_KEYS; did you mean FREEDOMPAY_INVOICE_KEY?"])
    }
}
