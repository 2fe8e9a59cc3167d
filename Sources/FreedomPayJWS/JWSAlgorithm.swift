/// The JWS algorithms the sidecar signs with (RFC 7518 §3.1).
public enum JWSAlgorithm: String, Sendable, CaseIterable, Codable {
    case hs256 = "HS256"
    case hs384 = "HS384"
    case hs512 = "HS512"
    case rs256 = "RS256"
    case es256 = "ES256"

    /// Symmetric algorithms take a raw secret; the others a PEM private key.
    public var isSymmetric: Bool {
        switch self {
        case .hs256, .hs384, .hs512: true
        case .rs256, .es256: false
        }
    }
}
