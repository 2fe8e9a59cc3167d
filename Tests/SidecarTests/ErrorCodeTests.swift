import Foundation
import HTTP1
import Testing
import Upstream
@testable import Sidecar

/// `SidecarErrorCode` is the one list of `X-Sidecar-Error` codes: every error the layers
/// below report maps onto it exactly, and the README's table lists each code once.
@Suite struct ErrorCodeTests {
    @Test func everyRequestParserErrorMapsToItsOwnCodeAndStatus() {
        let errors: [HTTPParseError] = [
            .invalidRequestLine, .invalidMethod, .methodNotImplemented, .invalidTarget, .unsupportedVersion, .invalidHeaderName,
            .invalidHeaderValue, .obsoleteLineFolding, .bareLineFeedOrCarriageReturn, .invalidContentLength, .duplicateContentLength,
            .contentLengthWithTransferEncoding, .unsupportedTransferEncoding, .invalidChunk, .headerTooLarge, .tooManyHeaders,
            .bodyTooLarge, .dataAfterConnectionClose,
        ]
        for error in errors {
            let code = SidecarErrorCode(rawValue: error.code)
            #expect(code != nil, "\(error) has code \(error.code), which is not in SidecarErrorCode")
            #expect(code?.status == error.status, "\(error)")
            #expect(SidecarError.from(.malformed(error)).code == error.code)
        }
    }

    @Test func everyTLSAndProxyFailureMapsToItsOwnCode() {
        let failures: [TLSFailure] = [
            .untrustedCertificate("x"), .hostnameMismatch("x"), .certificateExpired("x"), .protocolVersion("x"), .pinMismatch,
            .handshakeFailed("x"), .connectionFailed("x"),
        ]
        for failure in failures {
            #expect(SidecarErrorCode(rawValue: failure.code)?.status == 502, "\(failure.code)")
            #expect(SidecarError.upstreamTLS(code: failure.code, message: "x").code == failure.code)
        }
        for code in ["upstream_proxy_unreachable", "upstream_proxy_refused"] {
            #expect(SidecarError.upstreamProxy(code: code, message: "x").code == code)
        }
    }

    @Test func theReadmeTableListsEveryCodeOnceWithItsStatus() throws {
        let readme = try readmeText()
        guard let start = readme.range(of: "### Errors the sidecar itself produces") else {
            Issue.record("README has no error table section")
            return
        }
        var listed: [String: [Int]] = [:]
        for line in readme[start.upperBound...].split(separator: "\n").prefix(while: { !$0.hasPrefix("## ") }) {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4, let status = Int(cells[1]) else { continue }
            for code in cells[2].split(separator: "`", omittingEmptySubsequences: false).enumerated().filter({ $0.offset % 2 == 1 }).map({ String($0.element) }) {
                listed[code, default: []].append(status)
            }
        }
        for code in SidecarErrorCode.allCases {
            #expect(listed[code.rawValue] == [code.status], "README lists \(code.rawValue) as \(listed[code.rawValue] ?? []), want [\(code.status)]")
        }
        let unknown = Set(listed.keys).subtracting(SidecarErrorCode.allCases.map(\.rawValue))
        #expect(unknown.isEmpty, "README lists codes that do not exist: \(unknown.sorted())")
    }

    private func readmeText() throws -> String {
        // Tests/SidecarTests/ErrorCodeTests.swift → the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    }
}
