import COpenSSL

/// The server's public key as public-key pins identify it.
enum PeerPublicKey {
    /// SHA-256 of the DER SubjectPublicKeyInfo (`i2d_PUBKEY`) of the peer's leaf
    /// certificate — the value libcurl's `sha256//` pins and HPKP hash. Nil when there
    /// is no peer certificate or it cannot be encoded.
    static func sha256(of ssl: OpaquePointer) -> [UInt8]? {
        // get0: borrowed from the SSL (or the resumed session), not freed here.
        guard let certificate = SSL_get0_peer_certificate(ssl), let key = X509_get0_pubkey(certificate) else {
            return nil
        }
        let length = i2d_PUBKEY(key, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return i2d_PUBKEY(key, &cursor)
        }
        guard written == length else { return nil }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var digestLength: UInt32 = 0
        guard EVP_Digest(der, der.count, &digest, &digestLength, EVP_sha256(), nil) == 1 else { return nil }
        return Array(digest.prefix(Int(digestLength)))
    }
}
