import Testing
import Upstream

@Suite struct TLSPinnedPublicKeysTests {
    // SHA-256 of the empty string, and of "abc", in standard base64.
    private let emptyDigest = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    private let abcDigest = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="

    @Test func acceptsOneOrSeveralSHA256Pins() throws {
        let one = try TLSSettings.parsePinnedPublicKeys("sha256//\(emptyDigest)")
        #expect(one.count == 1)
        #expect(one[0].prefix(4) == [0xE3, 0xB0, 0xC4, 0x42])
        let two = try TLSSettings.parsePinnedPublicKeys("sha256//\(emptyDigest); sha256//\(abcDigest)")
        #expect(two.count == 2)
        #expect(two[1].prefix(4) == [0xBA, 0x78, 0x16, 0xBF])
    }

    @Test(arguments: [
        ("", "pinned public key 1 of 1 is empty"),
        ("sha256//\(String(repeating: "A", count: 43))=;", "pinned public key 2 of 2 is empty"),
        ("sha1//AAAA", "does not start with sha256//"),
        ("/etc/pki/upstream.pem", "not key files"),
        ("sha256//not base64!", "is not valid standard base64"),
        ("sha256//47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=", "is not valid standard base64"),  // base64url
        ("sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", "is not valid standard base64"),  // unpadded
        ("sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "decodes to 20 bytes; a SHA-256 digest is 32"),
    ])
    func refusesOtherForms(text: String, reason: String) {
        #expect {
            try TLSSettings.parsePinnedPublicKeys(text)
        } throws: { error in
            (error as? TLSSetupError)?.description.contains(reason) == true
        }
    }
}
