import Foundation
import LoopbackTestSupport

/// The `openssl` command line (Debian's `openssl` package, which `scripts/install-deps.sh`
/// installs) as an independent verifier: it shares no code with FreedomPayJWS or swift-crypto.
enum OpenSSLCommand {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `openssl dgst -sha256 -verify PUBLIC -signature DER` over `input`: true when it prints
    /// "Verified OK" and exits 0, false when it exits 1 ("Verification failure"); anything else
    /// (no openssl, an unreadable key) throws, so a missing tool fails the test.
    static func verifyES256(publicKeyPEM: String, signatureDER: [UInt8], input: [UInt8]) async throws -> Bool {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openssl-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let publicKey = directory.appendingPathComponent("public.pem")
        let signature = directory.appendingPathComponent("signature.der")
        let data = directory.appendingPathComponent("input")
        try Data(publicKeyPEM.utf8).write(to: publicKey)
        try Data(signatureDER).write(to: signature)
        try Data(input).write(to: data)

        let result = try await ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            arguments: ["openssl", "dgst", "-sha256", "-verify", publicKey.path, "-signature", signature.path, data.path],
            mergingStandardError: true)
        switch (result.status, result.standardOutput) {
        case (0, let text) where text.contains("Verified OK"): return true
        case (1, let text) where text.contains("Verification failure"): return false
        case (let status, let text): throw Failure(description: "openssl dgst -verify exited \(status): \(text)")
        }
    }
}

/// An ECDSA signature as DER (SEQUENCE of two INTEGERs, RFC 3279 §2.2.3) from JWS's fixed-width
/// r‖s (RFC 7518 §3.4), written here for the test: each half loses its leading zero bytes and
/// gains one 0x00 when its top bit is set, so the INTEGER stays positive.
func ecdsaDER(_ rs: [UInt8]) -> [UInt8] {
    func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var value = Array(bytes.drop { $0 == 0 })
        if value.isEmpty || value[0] & 0x80 != 0 { value.insert(0, at: 0) }
        return [0x02, UInt8(value.count)] + value
    }
    let half = rs.count / 2
    let body = integer(rs[..<half]) + integer(rs[half...])
    return [0x30, UInt8(body.count)] + body
}
