import FreedomPayJWS

/// What the sandbox checks `X-JWS-Signature` against: the merchant id, the optional kid,
/// the JOSE header layout, and the key of the moment (the caller's key store rotates it, so
/// the key is asked for on every request rather than captured once).
public struct SandboxSignatureCheck: Sendable {
    public var merchantID: String
    public var keyID: String?
    public var headerLayout: JOSEHeaderLayout
    public var currentKey: @Sendable () -> SigningKey

    public init(
        merchantID: String, keyID: String? = nil, headerLayout: JOSEHeaderLayout = .gateway,
        currentKey: @escaping @Sendable () -> SigningKey
    ) {
        self.merchantID = merchantID
        self.keyID = keyID
        self.headerLayout = headerLayout
        self.currentKey = currentKey
    }

    /// Whether `signature` is a detached JWS over `body` with exactly the JOSE header Freedom
    /// Pay expects for this method and path.
    public func verifies(_ signature: String?, method: String, path: String, body: [UInt8]) -> Bool {
        let key = currentKey()
        guard let signature, let header = DetachedJWS.verify(signature, payload: body, key: key) else { return false }
        let expected = headerLayout.header(path: path, merchantID: merchantID, method: method, algorithm: key.algorithm, keyID: keyID)
        return header == expected.serialized()
    }
}
