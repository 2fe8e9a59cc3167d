import Testing
@testable import FreedomPayJWS

@Suite struct SigningKeyTests {
    @Test func emptyOrWhitespaceKeyIsRefused() {
        #expect(throws: KeyLoadError.empty) { try SigningKey(algorithm: .hs256, keyData: []) }
        #expect(throws: KeyLoadError.empty) { try SigningKey(algorithm: .hs256, keyData: Array(" \n\t\r\n".utf8)) }
    }

    @Test(arguments: [JWSAlgorithm.rs256, .es256])
    func malformedPEMIsRefused(_ algorithm: JWSAlgorithm) {
        #expect(throws: KeyLoadError.malformedPEM(algorithm)) {
            try SigningKey(algorithm: algorithm, keyData: Array("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n".utf8))
        }
        #expect(throws: KeyLoadError.malformedPEM(algorithm)) {
            try SigningKey(algorithm: algorithm, keyData: Array("plain-secret".utf8))
        }
    }

    @Test func descriptionsNeverShowKeyMaterial() throws {
        let secret = "super-secret-merchant-key"
        let key = try SigningKey(algorithm: .hs256, keyData: Array(secret.utf8))
        var dumped = ""
        dump(key, to: &dumped)
        for text in [String(describing: key), String(reflecting: key), "\(key)", dumped] {
            #expect(!text.contains(secret))
            #expect(text.contains("HS256"))
        }
    }
}

@Suite struct Base64URLTests {
    @Test func roundTripsAllLengths() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) }
            let encoded = Base64URL.encode(bytes)
            #expect(!encoded.contains("=") && !encoded.contains("+") && !encoded.contains("/"))
            #expect(Base64URL.decode(encoded) == bytes)
        }
    }

    @Test func knownValues() {
        #expect(Base64URL.encode(Array("f".utf8)) == "Zg")
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64URL.decode("Zg==") == nil)
        #expect(Base64URL.decode("Zh") == nil)  // non-zero trailing bits
        #expect(Base64URL.decode("Z") == nil)
    }
}
