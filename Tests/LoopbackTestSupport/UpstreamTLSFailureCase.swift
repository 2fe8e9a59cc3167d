/// One way an upstream's TLS server fails verification: what the `TLSTestServer` presents,
/// how the client is configured, and the `X-Sidecar-Error` code and message it must report.
/// Shared by the upstream client's and the sidecar's end-to-end TLS tests.
public struct UpstreamTLSFailureCase: Sendable, CustomStringConvertible {
    public var name: String
    /// The server's identity while it should fail.
    public var identity: KeyPath<TestPKI, TestIdentity> & Sendable
    public var maximumVersion: TLSTestServer.ProtocolVersion?
    /// The client trusts both CAs and pins `valid`'s key, so only the pin can fail.
    public var pinsValidKey: Bool
    /// The expected `TLSFailure` code.
    public var code: String
    /// The expected failure message (connecting to 127.0.0.1), or a part of it.
    public var cause: String

    public var description: String { name }

    /// The CA bundle the client trusts.
    public func caBundlePath(_ pki: TestPKI) throws -> String {
        pinsValidKey ? try pki.bundleTrustingBothCAs() : pki.caBundlePath
    }

    /// The client's pinned public keys, if any.
    public func pins(_ pki: TestPKI) -> String? {
        pinsValidKey ? pki.validPin : nil
    }

    public static let all = [
        UpstreamTLSFailureCase(
            name: "unknown CA", identity: \.untrusted, maximumVersion: nil, pinsValidKey: false,
            code: "upstream_tls_untrusted",
            cause: "certificate verify failed: unable to get local issuer certificate (host 127.0.0.1)"),
        UpstreamTLSFailureCase(
            name: "wrong host name", identity: \.wrongHost, maximumVersion: nil, pinsValidKey: false,
            code: "upstream_tls_hostname", cause: "certificate verify failed: IP address mismatch (host 127.0.0.1)"),
        UpstreamTLSFailureCase(
            name: "expired certificate", identity: \.expired, maximumVersion: nil, pinsValidKey: false,
            code: "upstream_tls_expired", cause: "certificate verify failed: certificate has expired (host 127.0.0.1)"),
        UpstreamTLSFailureCase(
            name: "TLS 1.1-only server", identity: \.valid, maximumVersion: .tls11, pinsValidKey: false,
            code: "upstream_tls_version", cause: "no TLS version in common: we require 1.2 or later"),
        UpstreamTLSFailureCase(
            name: "pin mismatch", identity: \.untrusted, maximumVersion: nil, pinsValidKey: true,
            code: "upstream_tls_pin_mismatch", cause: "the server's public key matches none of the pinned public keys"),
    ]
}
