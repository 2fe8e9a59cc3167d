import Foundation
import Testing
import Upstream

@testable import Sidecar

@Suite struct SettingsTests {
    func temporaryFile(_ contents: String, mode: Int = 0o600) throws -> String {
        let path = NSTemporaryDirectory() + "sidecar-settings-\(UUID().uuidString)"
        try contents.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test func everySettingIsDeclaredOnceWithUniqueNames() {
        let keys = Setting.all.map(\.key)
        let flags = Setting.all.compactMap(\.flag)
        let variables = Setting.all.compactMap(\.environment)
        #expect(Set(keys).count == keys.count)
        #expect(Set(flags).count == flags.count)
        #expect(Set(variables).count == variables.count)
        #expect(variables.allSatisfy { $0.hasPrefix("FREEDOMPAY_") })
    }

    @Test func theReadmeTableListsEverySettingAsDeclared() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| ") }
        for setting in Setting.all {
            let cells = [
                setting.flagText.map { "`\($0)" }, setting.environment.map { "`\($0)`" }, setting.inFile ? "`\(setting.key)`" : nil,
            ]
            .compactMap { $0 }
            #expect(rows.contains { row in cells.allSatisfy { row.contains($0) } }, "README has no row for \(setting.key) with \(cells)")
        }
    }

    @Test func newSettingsPassThroughEveryLayer() throws {
        let path = try temporaryFile(#"{"eventLoops":3,"minimumTLSVersion":"1.3","upstreamProxy":"http://127.0.0.1:3128"}"#)
        var loaded = ConfigurationLoader.read(arguments: ["--config", path], environment: [:])
        #expect(loaded.errors == [])
        #expect(loaded.configuration.eventLoops == 3 && loaded.configuration.minimumTLSVersion == "1.3")
        #expect(loaded.configuration.upstreamProxy == "http://127.0.0.1:3128")
        #expect(loaded.source(of: "eventLoops") == .file)

        loaded = ConfigurationLoader.read(
            arguments: ["--config", path, "--event-loops=2"],
            environment: [
                "FREEDOMPAY_EVENT_LOOPS": "5", "FREEDOMPAY_MINIMUM_TLS_VERSION": "1.2", "FREEDOMPAY_UPSTREAM_PROXY": "http://10.0.0.1:8080",
            ])
        #expect(loaded.errors == [])
        #expect(loaded.configuration.eventLoops == 2 && loaded.source(of: "eventLoops") == .flag)
        #expect(loaded.configuration.minimumTLSVersion == "1.2" && loaded.source(of: "minimumTLSVersion") == .environment)
        #expect(loaded.configuration.upstreamProxy == "http://10.0.0.1:8080")
        #expect(loaded.source(of: "listen") == .defaultValue)
    }

    @Test func everyErrorIsReportedAtOnceNamingItsOrigin() throws {
        let path = try temporaryFile(#"{"eventLoops":0,"alg":"none","lisen":"x","minimumTLSVersion":"1.1"}"#)
        let loaded = ConfigurationLoader.read(
            arguments: ["--config", path, "--upstream-timeout", "soon", "--upstrem", "sandbox", "--kid"],
            environment: ["FREEDOMPAY_UPSTREAM_PROXY": "https://proxy:3128", "FREEDOMPAY_PINNED_PUBLIC_KEY": "sha1//abc"])
        let errors = loaded.errors.joined(separator: "\n")
        for expected in [
            "unknown flag --upstrem; did you mean --upstream?", "--kid needs a value", "--upstream-timeout: must be a number",
            "'eventLoops': must be a number from 1 to 256", "'alg': must be one of HS256", "unknown key 'lisen'",
            "'minimumTLSVersion': must be one of 1.2, 1.3", "FREEDOMPAY_UPSTREAM_PROXY: upstream proxy https://proxy:3128",
            "FREEDOMPAY_PINNED_PUBLIC_KEY: pinned public key 1 of 1",
        ] {
            #expect(errors.contains(expected), "missing \(expected) in:\n\(errors)")
        }
        #expect(loaded.errors.count == 9)
    }

    @Test func flagValuesAndRepeatsAreChecked() {
        var errors: [String] = []
        #expect(
            ConfigurationLoader.parseFlags(["--listen=127.0.0.1:1", "--alg", "HS512"], errors: &errors) == [
                "listen": "127.0.0.1:1", "alg": "HS512",
            ])
        #expect(errors == [])
        _ = ConfigurationLoader.parseFlags(["--alg", "HS256", "--alg=HS512", "stray"], errors: &errors)
        #expect(errors == ["--alg is given twice", "unexpected argument 'stray'"])
    }

    @Test func startupChecksTheCABundlePinsAndProxyCredentials() throws {
        var configuration = SidecarConfiguration()
        configuration.authID = "1"
        configuration.key = .inline(Array("k".utf8))
        configuration.upstream = .url("https://api.freedompay.kz")
        #expect(configurationProblems(configuration) == [])

        configuration.caBundlePath = "/nonexistent/ca.pem"
        configuration.pinnedPublicKey = "sha256//not-base64!"
        configuration.upstreamProxyCredentialsFile = try temporaryFile("user:secret-password\n", mode: 0o666)
        var problems = configurationProblems(configuration).joined(separator: "\n")
        #expect(problems.contains("caBundle /nonexistent/ca.pem is not a readable file"))
        #expect(problems.contains("pinnedPublicKey: pinned public key 1 of 1 is not valid standard base64"))
        #expect(problems.contains("upstreamProxyCredentialsFile is set but upstreamProxy is not"))
        #expect(throws: StartupError.self) { try validateConfiguration(configuration) }

        configuration.upstreamProxy = "http://127.0.0.1:3128"
        problems = configurationProblems(configuration).joined(separator: "\n")
        #expect(problems.contains("is writable by group or others"))
        #expect(!problems.contains("secret-password"))

        configuration.caBundlePath = nil
        configuration.pinnedPublicKey = nil
        configuration.upstreamProxyCredentialsFile = try temporaryFile("user:secret-password\n")
        #expect(configurationProblems(configuration) == [])
        #expect(try upstreamProxy(configuration) == UpstreamProxyExpectation.make("http://127.0.0.1:3128", "user:secret-password"))
    }

    @Test func checkConfigReportsSourcesRedactsSecretsAndWarns() throws {
        let pemKey = try temporaryFile("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n", mode: 0o644)
        let loaded = ConfigurationLoader.read(
            arguments: ["--upstream", "sandbox", "--listen", "0.0.0.0:8080", "--auth-id", "123456", "--key-file", pemKey],
            environment: ["HTTPS_PROXY": "http://proxy:3128", "FREEDOMPAY_ALG": "HS512"])
        let report = ConfigurationReport(loaded, environment: ["HTTPS_PROXY": "http://proxy:3128"])
        let text = report.text
        #expect(text.contains("upstream  ") && text.contains("sandbox  [flag --upstream]"))
        #expect(text.contains("HS512  [env FREEDOMPAY_ALG]"))
        #expect(text.contains("127.0.0.1:19090  [default]"))
        let warnings = report.warnings.joined(separator: "\n")
        #expect(warnings.contains("sandbox emulator"))
        #expect(warnings.contains("listen 0.0.0.0:8080 is not on loopback"))
        #expect(warnings.contains("HTTPS_PROXY is set and ignored on purpose"))
        #expect(warnings.contains("readable by others (mode 644"))
        #expect(warnings.contains("looks like a PEM file"))
        #expect(report.errors == [])
        #expect(text.hasSuffix("configuration ok\n"))

        let inline = ConfigurationLoader.read(
            arguments: ["--upstream", "https://api.freedompay.kz", "--auth-id", "1"], environment: ["FREEDOMPAY_KEY": "short-inline-secret"]
        )
        let inlineReport = ConfigurationReport(inline, environment: [:])
        #expect(inlineReport.text.contains("<redacted>  [env FREEDOMPAY_KEY]"))
        #expect(!inlineReport.text.contains("short-inline-secret"))
        #expect(inlineReport.warnings.contains { $0.contains("HS256 is 19 bytes") })
        #expect(!inlineReport.warnings.contains { $0.contains("sandbox") })
    }

    @Test func checkConfigListsEveryErrorAtOnce() {
        let loaded = ConfigurationLoader.read(
            arguments: ["--upstream", "http://api.freedompay.kz", "--drain-timeout", "5"], environment: [:])
        let report = ConfigurationReport(loaded, environment: [:])
        let errors = report.errors.joined(separator: "\n")
        #expect(errors.contains("no merchant id"))
        #expect(errors.contains("must be https://"))
        #expect(errors.contains("no key"))
        #expect(errors.contains("drain timeout (5.0 s) must exceed"))
        #expect(report.errorText.hasSuffix("configuration invalid: 4 errors\n"), "\(report.errorText)")
    }
}

/// The proxy `upstreamProxy(_:)` should build, made the same way for comparison.
enum UpstreamProxyExpectation {
    static func make(_ url: String, _ credentials: String) -> UpstreamProxy? { try? UpstreamProxy(url: url, credentials: credentials) }
}
