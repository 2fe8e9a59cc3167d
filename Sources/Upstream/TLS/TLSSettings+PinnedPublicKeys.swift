extension TLSSettings {
    /// Parses libcurl's `CURLOPT_PINNEDPUBLICKEY` hash form, which users already
    /// configure: `sha256//BASE64[;sha256//BASE64...]`, each the standard base64 of a
    /// 32-byte SHA-256 digest of a DER SubjectPublicKeyInfo. libcurl's other form, a
    /// path to a key file, is refused.
    public static func parsePinnedPublicKeys(_ text: String) throws(TLSSetupError) -> [[UInt8]] {
        let prefix = "sha256//"
        let entries = text.split(separator: ";", omittingEmptySubsequences: false)
        var digests: [[UInt8]] = []
        for (index, rawEntry) in entries.enumerated() {
            let entry = rawEntry.trimmingASCIISpaces()
            let position = "pinned public key \(index + 1) of \(entries.count)"
            guard !entry.isEmpty else {
                throw TLSSetupError("\(position) is empty; expected sha256//BASE64[;sha256//BASE64...]")
            }
            guard entry.hasPrefix(prefix) else {
                throw TLSSetupError(
                    "\(position) ('\(entry.prefix(16))…') does not start with sha256//; only SHA-256 hashes in the form sha256//BASE64 are supported, not key files"
                )
            }
            let encoded = entry.dropFirst(prefix.count)
            guard let digest = Base64.decode(encoded) else {
                throw TLSSetupError("\(position) is not valid standard base64 after sha256//")
            }
            guard digest.count == 32 else {
                throw TLSSetupError("\(position) decodes to \(digest.count) bytes; a SHA-256 digest is 32")
            }
            digests.append(digest)
        }
        return digests
    }
}

extension Substring {
    fileprivate func trimmingASCIISpaces() -> Substring {
        let isText: (Character) -> Bool = { $0 != " " && $0 != "\t" }
        guard let first = firstIndex(where: isText), let last = lastIndex(where: isText) else { return "" }
        return self[first...last]
    }
}
