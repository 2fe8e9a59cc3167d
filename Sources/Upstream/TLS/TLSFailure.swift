/// Why a TLS connection to the upstream failed. Each case carries an operator-readable
/// reason (never key material) and maps to a stable `X-Sidecar-Error` code.
public enum TLSFailure: Error, Sendable, Equatable {
    /// The chain does not lead to a trusted CA: unknown CA, self-signed, incomplete chain.
    case untrustedCertificate(String)
    /// The certificate is not valid for the host name or IP address connected to.
    case hostnameMismatch(String)
    /// The certificate (or one in its chain) has expired or is not yet valid.
    case certificateExpired(String)
    /// The peer supports no protocol version we accept (e.g. a TLS 1.1-only server).
    case protocolVersion(String)
    /// The leaf's SubjectPublicKeyInfo SHA-256 is not among the pinned keys.
    case pinMismatch
    /// Any other failure during the handshake.
    case handshakeFailed(String)
    /// A socket error or an unexpected EOF, or a protocol error after the handshake.
    case connectionFailed(String)

    /// The stable code sent in `X-Sidecar-Error`.
    public var code: String {
        switch self {
        case .untrustedCertificate: "upstream_tls_untrusted"
        case .hostnameMismatch: "upstream_tls_hostname"
        case .certificateExpired: "upstream_tls_expired"
        case .protocolVersion: "upstream_tls_version"
        case .pinMismatch: "upstream_tls_pin_mismatch"
        case .handshakeFailed: "upstream_tls_failed"
        case .connectionFailed: "upstream_unreachable"
        }
    }

    /// What went wrong, for logs and error bodies.
    public var message: String {
        switch self {
        case .untrustedCertificate(let reason), .hostnameMismatch(let reason), .certificateExpired(let reason),
            .protocolVersion(let reason), .handshakeFailed(let reason), .connectionFailed(let reason):
            reason
        case .pinMismatch:
            "the server's public key matches none of the pinned public keys"
        }
    }
}
