import Foundation
import LoopbackTestSupport
import Testing

@testable import Sidecar

/// Issue 17 §3: the README's troubleshooting section, and the drift a new user found.
@Suite struct ReadmeOperatorTests {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    func section(_ heading: String, of text: String) throws -> Substring {
        let start = try #require(text.range(of: "\n\(heading)\n"))
        let rest = text[start.upperBound...]
        let level = heading.prefix { $0 == "#" }.count
        let end = rest.range(of: "\n" + String(repeating: "#", count: level) + " ")?.lowerBound ?? rest.endIndex
        return rest[..<end]
    }

    /// Table rows of a section: the first two cells, trimmed.
    func rows(_ section: Substring) -> [(String, String)] {
        section.split(separator: "\n").filter { $0.hasPrefix("| ") }.map { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            return (cells[1], cells[2])
        }
    }

    @Test func troubleshootingExplainsEveryErrorCodeAndTheUpstreamStatuses() throws {
        let troubleshooting = try section("## Troubleshooting", of: try text("README.md"))
        let table = rows(troubleshooting)
        for code in SidecarErrorCode.allCases {
            let matching = table.filter { $0.0 == "`\(code.rawValue)`" }
            #expect(matching.count == 1, "\(code.rawValue) listed \(matching.count) times")
            #expect(matching.first?.1 == String(code.status), "\(code.rawValue)")
        }
        for status in ["200", "400", "401", "403", "404", "429", "5xx"] {
            #expect(table.contains { $0.0 == status }, "no row for Freedom Pay's \(status)")
        }
    }

    /// Every loopback URL in the README names a port the README itself runs something on:
    /// the signing listener (18080), the admin listener (19090), and, in the callbacks
    /// walk-through only, the callback listener (18081), the standalone sandbox (8081) and
    /// the example app (8000). A stray port (once 8080) is drift.
    @Test func readmeCommandsUseTheSidecarsPorts() throws {
        let readme = try text("README.md")
        let pattern = try Regex(#"http://127\.0\.0\.1:(\d+)"#)
        for match in readme.matches(of: pattern) {
            let port = String(readme[match.range].split(separator: ":").last ?? "")
            #expect(["18080", "19090", "18081", "8081", "8000"].contains(port), "README calls \(readme[match.range])")
        }
        for (port, listener) in [("18081", "\"callbackListen\": \"127.0.0.1:18081\""), ("8081", "sandbox --listen 127.0.0.1:8081")] {
            #expect(readme.contains(listener), "README uses port \(port) without starting \(listener)")
        }
    }

    @Test func everyShippedKeyFilePathSaysSecretKey() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("config").path)
        for file in files where file.hasSuffix(".json") {
            #expect(!(try text("config/\(file)")).contains("secret_key"), "config/\(file)")
        }
        #expect(try text("deploy/kubernetes/configmap.yaml").contains("/var/run/secrets/freedompay/secret-key"))
    }

    /// The metrics component opens the admin listener: its description names every admin
    /// path, and the admin listener answers exactly those.
    @Test func theMetricsComponentNamesEveryAdminPath() async throws {
        let paths = ["/healthz", "/readyz", "/metrics", "/openapi.yaml"]
        let readme = try text("README.md")
        let line = try #require(readme.split(separator: "\n").first { $0.contains("- **`metrics`**") })
        let next = try #require(readme.range(of: String(line))).upperBound
        let description = String(line) + readme[next...].prefix(300)
        let component = try text("deploy/kubernetes/metrics/kustomization.yaml").split(separator: "\n").first ?? ""
        for path in paths {
            #expect(description.contains("`\(path)`"), "README's metrics component omits \(path)")
            #expect(component.contains(path), "the component's comment omits \(path)")
        }
        try await withSidecar(upstream: "sandbox") { sidecar in
            for path in paths + ["/nope"] {
                let client = try LoopbackClient(sidecar.adminAddress)
                try await client.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
                let status = try await client.readResponse().status
                #expect(path == "/nope" ? status == 404 : status == 200, "\(path): \(status)")
            }
        }
    }

    /// Comments cite RFCs, Freedom Pay pages or files in the repository: never a file that is not there.
    @Test func sourcesCiteNoMissingDesignDocument() throws {
        let hasDesign = FileManager.default.fileExists(atPath: root.appendingPathComponent("DESIGN.md").path)
        let enumerator = try #require(FileManager.default.enumerator(atPath: root.appendingPathComponent("Sources").path))
        var citing: [String] = []
        for case let path as String in enumerator where path.hasSuffix(".swift") {
            if try text("Sources/\(path)").contains("DESIGN.md") { citing.append(path) }
        }
        #expect(hasDesign || citing.isEmpty, "cite DESIGN.md, which is not in the repository: \(citing)")
    }
}
