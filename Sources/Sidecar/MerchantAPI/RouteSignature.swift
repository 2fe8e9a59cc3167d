/// How a route's requests are signed.
public enum RouteSignature: String, Sendable, CaseIterable {
    /// Gateway v5: JSON bodies, `X-JWS-Signature` (the default).
    case jws
    /// Merchant API: form bodies with `pg_merchant_id`, `pg_salt` and `pg_sig`.
    case pgSig = "pg_sig"
}
