import Crypto
import _CryptoExtras

/// Why key material was refused. Messages never contain key bytes.
public enum KeyLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case malformedPEM(JWSAlgorithm)
    case notASigningKey(JWSAlgorithm)

    public var description: String {
        switch self {
        case .empty: "the key is empty"
        case .malformedPEM(let alg): "the key is not a valid PEM private key for \(alg.rawValue)"
        case .notASigningKey(let alg): "the key cannot sign with \(alg.rawValue)"
        }
    }
}

/// A merchant key ready to sign. Its descriptions are redacted so it cannot leak
/// through string interpolation, `dump`, or a debugger's print.
public struct SigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    enum Material: Sendable {
        case hmac(SymmetricKey)
        case rsa(_RSA.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
    }

    public let algorithm: JWSAlgorithm
    let material: Material

    /// Loads key material: for HS* the raw secret (surrounding whitespace, such as a file's
    /// trailing newline, is dropped); for RS256/ES256 a PEM private key.
    public init(algorithm: JWSAlgorithm, keyData: [UInt8]) throws(KeyLoadError) {
        self.algorithm = algorithm
        var trimmed = keyData[...]
        while let first = trimmed.first, SigningKey.isWhitespace(first) { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, SigningKey.isWhitespace(last) { trimmed = trimmed.dropLast() }
        guard !trimmed.isEmpty else { throw .empty }
        switch algorithm {
        case .hs256, .hs384, .hs512:
            material = .hmac(SymmetricKey(data: Array(trimmed)))
        case .rs256:
            let pem = String(decoding: trimmed, as: UTF8.self)
            guard let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) else { throw .malformedPEM(algorithm) }
            material = .rsa(key)
        case .es256:
            let pem = String(decoding: trimmed, as: UTF8.self)
            guard let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) else { throw .malformedPEM(algorithm) }
            material = .p256(key)
        }
    }

    /// The raw secret of an HS* key (trimmed as loaded), for schemes that hash the secret
    /// itself, such as the Merchant API's `pg_sig`; nil for RS256 and ES256. Never log it.
    public var sharedSecret: [UInt8]? {
        guard case .hmac(let key) = material else { return nil }
        return key.withUnsafeBytes { Array($0) }
    }

    /// The signature bytes over `input` (RFC 7518 §3: HMAC, RSASSA-PKCS1-v1_5, or ECDSA r||s).
    public func sign(_ input: [UInt8]) -> [UInt8] {
        switch material {
        case .hmac(let key):
            switch algorithm {
            case .hs384: Array(HMAC<SHA384>.authenticationCode(for: input, using: key))
            case .hs512: Array(HMAC<SHA512>.authenticationCode(for: input, using: key))
            default: Array(HMAC<SHA256>.authenticationCode(for: input, using: key))
            }
        case .rsa(let key):
            // RSA signing only fails on internal errors; an empty signature never verifies.
            (try? Array(key.signature(for: input, padding: .insecurePKCS1v1_5).rawRepresentation)) ?? []
        case .p256(let key):
            (try? Array(key.signature(for: input).rawRepresentation)) ?? []
        }
    }

    /// Whether `signature` is valid over `input` under this key (constant-time for HMAC).
    public func isValidSignature(_ signature: [UInt8], for input: [UInt8]) -> Bool {
        switch material {
        case .hmac(let key):
            switch algorithm {
            case .hs384: HMAC<SHA384>.isValidAuthenticationCode(signature, authenticating: input, using: key)
            case .hs512: HMAC<SHA512>.isValidAuthenticationCode(signature, authenticating: input, using: key)
            default: HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: key)
            }
        case .rsa(let key):
            key.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: input, padding: .insecurePKCS1v1_5)
        case .p256(let key):
            (try? P256.Signing.ECDSASignature(rawRepresentation: signature))
                .map { key.publicKey.isValidSignature($0, for: input) } ?? false
        }
    }

    public var description: String { "SigningKey(\(algorithm.rawValue), redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["algorithm": algorithm]) }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
