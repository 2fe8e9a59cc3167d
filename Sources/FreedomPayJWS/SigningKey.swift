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
        case hmac(SymmetricKey, KeyedHMAC)
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
            let key = SymmetricKey(data: Array(trimmed))
            material = .hmac(key, KeyedHMAC(algorithm: algorithm, key: key))
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

    /// The signature bytes over `input` (RFC 7518 §3: HMAC, RSASSA-PKCS1-v1_5, or ECDSA r||s).
    public func sign(_ input: [UInt8]) -> [UInt8] {
        switch material {
        case .hmac(_, let keyed):
            keyed.authenticationCode(for: input)
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
        case .hmac(let key, _):
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

/// An HMAC with the key already mixed in (the inner and outer pads hashed once at load), so
/// signing a request hashes only the request: copying the state is cheaper than re-keying.
struct KeyedHMAC: Sendable {
    private enum State {
        case sha256(HMAC<SHA256>)
        case sha384(HMAC<SHA384>)
        case sha512(HMAC<SHA512>)
    }

    private let state: State

    init(algorithm: JWSAlgorithm, key: SymmetricKey) {
        switch algorithm {
        case .hs384: state = .sha384(HMAC(key: key))
        case .hs512: state = .sha512(HMAC(key: key))
        default: state = .sha256(HMAC(key: key))
        }
    }

    func authenticationCode(for input: [UInt8]) -> [UInt8] {
        switch state {
        case .sha256(var mac):
            mac.update(data: input)
            return Array(mac.finalize())
        case .sha384(var mac):
            mac.update(data: input)
            return Array(mac.finalize())
        case .sha512(var mac):
            mac.update(data: input)
            return Array(mac.finalize())
        }
    }
}
