import Sandbox

extension SandboxEmulator {
    /// An emulator that verifies signatures with the sidecar's current key: a rotated key is
    /// picked up on the next request.
    public convenience init(keyStore: KeyStore, merchantID: String, keyID: String? = nil) {
        self.init(signatureCheck: SandboxSignatureCheck(merchantID: merchantID, keyID: keyID, currentKey: { keyStore.key }))
    }
}
