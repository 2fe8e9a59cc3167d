import COpenSSL
import Crypto
import Foundation

/// A certificate and its private key, as PEM files.
public struct TestIdentity: Sendable {
    public var certificatePath: String
    public var keyPath: String
}

/// A throwaway PKI made at test time with OpenSSL's C API: a trusted test CA, an
/// unrelated CA, and server identities for each way verification can go wrong. All
/// keys are P-256. Files live in a temporary directory that `withTestPKI` removes.
public struct TestPKI: Sendable {
    public var directory: String
    /// The test CA's certificate: the CA bundle a client should trust.
    public var caBundlePath: String
    /// A CA that signed `untrusted` and that the client does not trust.
    public var otherCABundlePath: String
    /// Signed by the test CA for `127.0.0.1` (IP SAN) and `localhost` (DNS SAN).
    public var valid: TestIdentity
    /// Signed by the test CA for `wrong.example` only.
    public var wrongHost: TestIdentity
    /// Signed by the test CA for the loopback names, valid from two days ago to yesterday.
    public var expired: TestIdentity
    /// For the loopback names, signed by the other CA.
    public var untrusted: TestIdentity
    /// `sha256//BASE64` of the SHA-256 of `valid`'s DER SubjectPublicKeyInfo, as
    /// libcurl's CURLOPT_PINNEDPUBLICKEY spells it (computed with swift-crypto).
    public var validPin: String
    /// The same form for `untrusted`'s key, which differs from `valid`'s.
    public var untrustedPin: String
}

public enum TestPKIError: Error, CustomStringConvertible {
    case openSSL(String)

    public var description: String {
        switch self {
        case .openSSL(let step): "test PKI: \(step) failed"
        }
    }
}

/// Makes a fresh PKI in a new temporary directory, runs `body`, and removes the directory.
public func withTestPKI<Result>(
    isolation: isolated (any Actor)? = #isolation, _ body: (TestPKI) async throws -> Result
) async throws -> Result {
    let directory = try makeTemporaryDirectory(prefix: "tls-pki")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await body(TestPKIBuilder(directory: directory).build())
}

func makeTemporaryDirectory(prefix: String) throws -> String {
    var template = Array("\(NSTemporaryDirectory())/\(prefix)-XXXXXX".utf8CString)
    guard let path = mkdtemp(&template) else { throw TestPKIError.openSSL("mkdtemp") }
    return String(cString: path)
}

private struct TestPKIBuilder {
    let directory: String
    private let day = 24 * 60 * 60

    func build() throws -> TestPKI {
        let ca = try TestKeyPair.generate()
        let caCertificate = try certificate(
            commonName: "Sidecar Test CA", key: ca, issuer: nil, validity: (-3 * day, 30 * day), serial: 1)
        let otherCA = try TestKeyPair.generate()
        let otherCACertificate = try certificate(
            commonName: "Unrelated Test CA", key: otherCA, issuer: nil, validity: (-3 * day, 30 * day), serial: 2)
        let loopback = "IP:127.0.0.1,DNS:localhost"
        let trusted = (certificate: caCertificate, key: ca)
        let validKey = try TestKeyPair.generate()
        let untrustedKey = try TestKeyPair.generate()
        return TestPKI(
            directory: directory,
            caBundlePath: try write(caCertificate, to: "ca.pem"),
            otherCABundlePath: try write(otherCACertificate, to: "other-ca.pem"),
            valid: try identity(
                "valid", key: validKey, issuer: trusted, altNames: loopback, validity: (-day, 30 * day), serial: 10),
            wrongHost: try identity(
                "wrong-host", key: TestKeyPair.generate(), issuer: trusted, altNames: "DNS:wrong.example",
                validity: (-day, 30 * day), serial: 11),
            expired: try identity(
                "expired", key: TestKeyPair.generate(), issuer: trusted, altNames: loopback,
                validity: (-2 * day, -day), serial: 12),
            untrusted: try identity(
                "untrusted", key: untrustedKey, issuer: (otherCACertificate, otherCA), altNames: loopback,
                validity: (-day, 30 * day), serial: 13),
            validPin: try validKey.pin(),
            untrustedPin: try untrustedKey.pin()
        )
    }

    private func identity(
        _ name: String, key: TestKeyPair, issuer: (certificate: TestCertificate, key: TestKeyPair),
        altNames: String, validity: (Int, Int), serial: Int
    ) throws -> TestIdentity {
        let leaf = try certificate(
            commonName: name, key: key, issuer: issuer, validity: validity, serial: serial, altNames: altNames)
        return TestIdentity(
            certificatePath: try write(leaf, to: "\(name).pem"), keyPath: try write(key, to: "\(name)-key.pem"))
    }

    /// A v3 certificate for `key`; self-signed CA when `issuer` is nil, else a server
    /// leaf carrying `altNames`. `validity` is seconds from now for notBefore and notAfter.
    private func certificate(
        commonName: String, key: TestKeyPair, issuer: (certificate: TestCertificate, key: TestKeyPair)?,
        validity: (notBefore: Int, notAfter: Int), serial: Int, altNames: String? = nil
    ) throws -> TestCertificate {
        let certificate = try TestCertificate()
        let x509 = certificate.pointer
        try check(X509_set_version(x509, Int(X509_VERSION_3)), "X509_set_version")
        try check(ASN1_INTEGER_set(X509_get_serialNumber(x509), serial), "set the serial number")
        try check(X509_gmtime_adj(X509_getm_notBefore(x509), validity.notBefore) != nil ? 1 : 0, "set notBefore")
        try check(X509_gmtime_adj(X509_getm_notAfter(x509), validity.notAfter) != nil ? 1 : 0, "set notAfter")
        try check(X509_set_pubkey(x509, key.pointer), "X509_set_pubkey")
        let subject = X509_get_subject_name(x509)
        try check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, commonName, -1, -1, 0), "set the CN")
        let issuerCertificate = issuer?.certificate.pointer ?? x509
        try check(X509_set_issuer_name(x509, X509_get_subject_name(issuerCertificate)), "set the issuer")
        var extensions: [(Int32, String)] = [(NID_subject_key_identifier, "hash")]
        if let altNames {
            extensions += [
                (NID_basic_constraints, "critical,CA:FALSE"), (NID_key_usage, "critical,digitalSignature"),
                (NID_ext_key_usage, "serverAuth"), (NID_subject_alt_name, altNames),
                (NID_authority_key_identifier, "keyid:always"),
            ]
        } else {
            extensions += [
                (NID_basic_constraints, "critical,CA:TRUE"), (NID_key_usage, "critical,keyCertSign,cRLSign"),
            ]
        }
        for (nid, value) in extensions {
            try check(copenssl_X509_add_extension(x509, issuerCertificate, nid, value), "add extension \(nid)")
        }
        let signingKey = issuer?.key.pointer ?? key.pointer
        try check(X509_sign(x509, signingKey, EVP_sha256()) > 0 ? 1 : 0, "X509_sign")
        return certificate
    }

    private func write(_ certificate: TestCertificate, to name: String) throws -> String {
        try writePEM(name) { PEM_write_bio_X509($0, certificate.pointer) }
    }

    private func write(_ key: TestKeyPair, to name: String) throws -> String {
        try writePEM(name) { PEM_write_bio_PrivateKey($0, key.pointer, nil, nil, 0, nil, nil) }
    }

    private func writePEM(_ name: String, _ writeBody: (OpaquePointer) -> Int32) throws -> String {
        let path = "\(directory)/\(name)"
        guard let bio = BIO_new_file(path, "w") else { throw TestPKIError.openSSL("open \(path)") }
        defer { BIO_free(bio) }
        try check(writeBody(bio), "write \(name)")
        return path
    }

    private func check(_ result: Int32, _ step: String) throws {
        guard result == 1 else { throw TestPKIError.openSSL(step) }
    }
}

/// An owned `X509`.
private final class TestCertificate {
    let pointer: OpaquePointer

    init() throws {
        guard let pointer = X509_new() else { throw TestPKIError.openSSL("X509_new") }
        self.pointer = pointer
    }

    deinit { X509_free(pointer) }
}

/// An owned P-256 `EVP_PKEY`.
private final class TestKeyPair {
    let pointer: OpaquePointer

    private init(_ pointer: OpaquePointer) { self.pointer = pointer }

    static func generate() throws -> TestKeyPair {
        guard let key = copenssl_generate_p256_key() else { throw TestPKIError.openSSL("P-256 key generation") }
        return TestKeyPair(key)
    }

    deinit { EVP_PKEY_free(pointer) }

    /// `sha256//` + base64 of SHA-256 over the DER SubjectPublicKeyInfo.
    func pin() throws -> String {
        let length = i2d_PUBKEY(pointer, nil)
        guard length > 0 else { throw TestPKIError.openSSL("i2d_PUBKEY") }
        var der = [UInt8](repeating: 0, count: Int(length))
        _ = der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return i2d_PUBKEY(pointer, &cursor)
        }
        return "sha256//" + Data(SHA256.hash(data: der)).base64EncodedString()
    }
}

extension TestPKI {
    /// A CA bundle holding both the test CA and the other CA, so that `untrusted` verifies
    /// too: for pin checks on a chain that is otherwise accepted.
    public func bundleTrustingBothCAs() throws -> String {
        let path = "\(directory)/both-cas.pem"
        let both =
            try String(contentsOfFile: caBundlePath, encoding: .utf8)
            + String(contentsOfFile: otherCABundlePath, encoding: .utf8)
        try both.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
