/// The lowest TLS protocol version the client accepts.
public enum TLSVersion: String, Sendable {
    case v1_2 = "1.2"
    case v1_3 = "1.3"
}

/// How the client verifies an upstream's TLS server.
public struct TLSSettings: Sendable, Equatable {
    /// A PEM bundle of trusted CAs; nil trusts the system store.
    public var caBundlePath: String?
    public var minimumVersion: TLSVersion
    /// SHA-256 digests of the DER SubjectPublicKeyInfo the server's leaf certificate
    /// may carry; empty means no pinning. Checked in addition to chain verification.
    public var pinnedPublicKeys: [[UInt8]]

    public init(caBundlePath: String? = nil, minimumVersion: TLSVersion = .v1_2, pinnedPublicKeys: [[UInt8]] = []) {
        self.caBundlePath = caBundlePath
        self.minimumVersion = minimumVersion
        self.pinnedPublicKeys = pinnedPublicKeys
    }
}
