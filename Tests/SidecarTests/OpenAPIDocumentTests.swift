import Foundation
import LoopbackTestSupport
import Testing

@testable import Sidecar

@Suite(.timeLimit(.minutes(1))) struct OpenAPIDocumentTests {
    private func specBytes() throws -> [UInt8] {
        // Tests/SidecarTests/OpenAPIDocumentTests.swift → the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return Array(try Data(contentsOf: root.appendingPathComponent("openapi.yaml")))
    }

    @Test func theEmbeddedDocumentIsOpenAPIYAMLByteForByte() throws {
        let file = try specBytes()
        let embedded = Array(OpenAPIDocument.yaml.utf8)
        #expect(embedded == file, "Sources/Sidecar/OpenAPIDocument.swift is stale: run scripts/generate-openapi-swift.sh")
    }

    @Test func theSpecListsEverySidecarErrorCodeAndNoOther() throws {
        // The `ErrorCode` schema's enum: the lines `        - code` after `    ErrorCode:`.
        let lines = String(decoding: try specBytes(), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex(of: "    ErrorCode:"))
        let enumLine = try #require(lines[start...].firstIndex(of: "      enum:"))
        let codes = lines[(enumLine + 1)...].prefix { $0.hasPrefix("        - ") }.map { String($0.dropFirst("        - ".count)) }
        #expect(codes == SidecarErrorCode.allCases.map(\.rawValue))
    }

    @Test func theSpecGivesEachCodeItsStatus() throws {
        // Each `ErrorNNN` schema names exactly the codes of status NNN.
        let text = String(decoding: try specBytes(), as: UTF8.self)
        for status in Set(SidecarErrorCode.allCases.map(\.status)) {
            let start = try #require(text.range(of: "\n    Error\(status):\n"), "no Error\(status) schema")
            let rest = text[start.upperBound...]
            let end = rest.range(of: "\n    Error")?.lowerBound ?? rest.range(of: "\n  responses:")?.lowerBound ?? rest.endIndex
            let block = rest[..<end]
            let words = Set(block.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init))
            for code in SidecarErrorCode.allCases {
                #expect(words.contains(code.rawValue) == (code.status == status), "Error\(status) and \(code.rawValue) (status \(code.status))")
            }
        }
    }

    @Test func theAdminListenerServesIt() async throws {
        try await withSidecar(upstream: "sandbox") { sidecar in
            let client = try LoopbackClient(sidecar.adminAddress)
            try await client.send("GET /openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/yaml")
            #expect(response.body == Array(OpenAPIDocument.yaml.utf8))
            #expect(response.bodyText.hasPrefix("openapi: 3.1.0\n"))
        }
    }
}
