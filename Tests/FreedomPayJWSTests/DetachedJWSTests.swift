import Crypto
import Testing
import _CryptoExtras

@testable import FreedomPayJWS

@Suite struct DetachedJWSTests {
    @Test func cardAPIKnownAnswer() throws {
        // From Freedom Pay's Card API documentation.
        let header = JOSEHeaderLayout.gateway.header(
            path: "/v5/card-api/request/status", merchantID: "123456", method: "POST", algorithm: .hs512)
        #expect(
            String(decoding: header.serialized(), as: UTF8.self)
                == #"{"uri":"/v5/card-api/request/status","auth_id":"123456","method":"POST","params":"","alg":"HS512"}"#)
        let key = try SigningKey(algorithm: .hs512, keyData: Array("secret".utf8))
        let body = Array(#"{"request_id":"828cf71d-a447-4a67-a149-c1df8bc197ca"}"#.utf8)
        let value = DetachedJWS.sign(header: header, payload: body, key: key)
        let parts = value.components(separatedBy: "..")
        #expect(parts.count == 2)
        #expect(parts[0] == Base64URL.encode(header.serialized()))
        #expect(parts[1] == "f1sQoeIpX_ZjOaykQzSeylvvKaVrEQV4gNM2ACFbEMkFDUV9Zk5WO1yQGEWez-vnQMVHodLBDVEyh5Xm2-3MjQ")
    }

    @Test func refundHeaderFieldOrderAndKid() {
        let header = JOSEHeaderLayout.gateway.header(
            path: "/v5/g2g/edit", merchantID: "123456", method: "POST", algorithm: .hs256, keyID: "k1")
        #expect(
            String(decoding: header.serialized(), as: UTF8.self)
                == #"{"uri":"/v5/g2g/edit","auth_id":"123456","method":"POST","params":"","alg":"HS256","kid":"k1"}"#)
    }

    @Test func invoiceLayoutUsesPathAndNumericMerchant() {
        let header = JOSEHeaderLayout.invoice.header(path: "/v5/invoice", merchantID: "42", method: "POST", algorithm: .hs512)
        #expect(
            String(decoding: header.serialized(), as: UTF8.self)
                == #"{"path":"/v5/invoice","merchant_id":42,"method":"POST","params":"","alg":"HS512"}"#)
    }

    @Test func headerEscapesJSONStrings() {
        let header = JOSEHeader(fields: [.init("a\"b", .string("c\\d\n\u{1}"))])
        #expect(String(decoding: header.serialized(), as: UTF8.self) == #"{"a\"b":"c\\d\n\u0001"}"#)
    }

    /// Known answers computed outside the project and pinned (never by FreedomPayJWS):
    /// the signing input is base64url(header) + "." + base64url(body), signed with
    ///   printf %s "$input" | openssl dgst -sha256|-sha384|-sha512 -binary -hmac merchant-secret
    /// (OpenSSL 3.0) and base64url-encoded without padding by Python's base64 module.
    static let body = Array(#"{"id":"01978d4f-0000-7000-8000-000000000000","amount":100}"#.utf8)
    static let hmacVectors: [(JWSAlgorithm, String)] = [
        (
            .hs256,
            "eyJ1cmkiOiIvdjUvZzJnL2VkaXQiLCJhdXRoX2lkIjoiMTIzNDU2IiwibWV0aG9kIjoiUE9TVCIsInBhcmFtcyI6IiIsImFsZyI6IkhTMjU2In0.._4cLLvCp1Z0tm-SOVoIB_XSSznXJBvVHnHah3i5NKYo"
        ),
        (
            .hs384,
            "eyJ1cmkiOiIvdjUvZzJnL2VkaXQiLCJhdXRoX2lkIjoiMTIzNDU2IiwibWV0aG9kIjoiUE9TVCIsInBhcmFtcyI6IiIsImFsZyI6IkhTMzg0In0..Fh-99_y56mlggEBO3ZyKhcw1tdr2nh9SIE4h28Ss3yvrYET8EG902WirTZFKlp9k"
        ),
        (
            .hs512,
            "eyJ1cmkiOiIvdjUvZzJnL2VkaXQiLCJhdXRoX2lkIjoiMTIzNDU2IiwibWV0aG9kIjoiUE9TVCIsInBhcmFtcyI6IiIsImFsZyI6IkhTNTEyIn0..FnXmk1XqZieYs8qMqNC5ZTaCy5ld2llcPEAyp8mgayBu9U6BBgDyPku1sXvjV7prNegWlQX0sbgaWeE4RAF9VQ"
        ),
    ]

    @Test func hmacKnownAnswersComputedByOpenSSL() throws {
        for (algorithm, expected) in Self.hmacVectors {
            // The key file's one trailing newline is not part of the secret (SigningKey).
            let key = try SigningKey(algorithm: algorithm, keyData: Array("merchant-secret\n".utf8))
            let header = JOSEHeaderLayout.gateway.header(path: "/v5/g2g/edit", merchantID: "123456", method: "POST", algorithm: algorithm)
            let value = DetachedJWS.sign(header: header, payload: Self.body, key: key)
            #expect(value == expected, "\(algorithm)")
            #expect(DetachedJWS.verify(expected, payload: Self.body, key: key) == header.serialized())
            #expect(DetachedJWS.verify(expected, payload: Self.body + [0x20], key: key) == nil)
        }
    }

    /// An RSA-2048 key made with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`
    /// for this test only (it signs nothing else).
    static let rsaPrivateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC9Tfi82aeSLo9p
        vG157eN/gPgBjyrp5AcUUYjEfkwvzN4XnV+fAjHusixWN1jrNDB/hCG2a5nSAhIM
        8nQB19FTsOvGlcN1EGlpkgN/7EST6KB5OpPeZRC2ACduZ9Bf4KW8yfaorxtRsfqc
        X+gWLOIo97FyANsm8FYRN80+r0MSKzj5i88cxQQnsvKb/WwCZjY0GcTeMMvwhprr
        Txsg83mcMug4GD+uX6asHvwoG/bTSeJysR+B1WHQ+/7n6VYJ1ffNbIzRKY/Ou7bs
        UgEz3PAgyNyeAXPXz522opin4cormRYM9z3CisXA6TXlvP7X1Pz0fHeVstfz1QEe
        cnwJS5lFAgMBAAECggEABzq+k0EWsAj81h4UP5H7sbIJsU7ikIByWsQgXoIE7oBl
        l5jy1BOVN5dGBTGOQPFDIY44wWA2RXm/Gbp6qVqwy6rtM4N4WEn8/0NMb0AP1bw5
        FgLMLzPvNvF7kAZWmWAZbu527+CRa7B0hdtNyucCPhaeMrXgqLSIp5YDeG+LYVqv
        UsNvNaMVKrNEMs59cSnEyXAc5vZ9kEtqzGUBUAb1auXUDUyKtO9kn6JdLDaKSSgP
        psKnQdvSWUk1asCt17Yjpnj/6E9W0oXSMFtzvHofs2Jr5lkPVf6wwvdWXeJMAcav
        V9tAwW6Kfbl9lCK7XHeB7lYV/9Mt5rjTR+Q+z/wtoQKBgQDy77O3SpamIn3hs6Sc
        AuBKNDkBJ+5VCgcIVoxON52pxCGcwYbFfL7ag4vCgVtNJUMHltPiGuA7pjUc/luV
        69dcUoAirdYo4C+jB8yJjGImNbmiMs2B6aFn+zwqPA4FPEp5KBIF7H+dxB7SjkQc
        jh4w/vlkDv/TRJ2nkkWnN90+VQKBgQDHe/d/PW4gmpmax3F9GShnvfuy2CklfLi0
        rZFgQ/K9BXk80tGkl8y49dxK9q7QefrW0eCdCVwPS6whqAOOD3Afakl4pdCnBuSm
        r6kAZfJoqYi2bX3K2i5nv/4nG0dg5Lwys7Q2a1kWZsr4gpZXkgZ4K5WfoWCN3+FY
        fEjI/2z/MQKBgQCBIdERmOBDJwpqsqbJFu5KA0BZ0PPq2A2s7PRfj0iLOOn0/Rm6
        V/jLBimAFmqFs0zR9+ZgxZBzpIGPC9V694XeWSwrQuQXjjNEIZ0jcC+rx9sI0KBU
        ce+N6gmtGYcKWWXsyNPrui6LmfgYS+8AjrqVqLK/8QkjL9HthN7pZ9R+kQKBgBdp
        AeuJvwHOgtY6L6RZrnc2QXKEkZeXoml5sQTWFIeAO/EaYIXrVpgiKj8V4gAPQJOz
        P6PONGKLI+EzQW+LekIFjCe/ddQUKAMzvCaS0DbeJnAaO1fx8N42FtJqDh9d2IQu
        uKhmQqcxWwJ8+L3AIkg5/S4llxovOtfShgwohZcRAoGBAKDYgvb2GPl5FJrTa5PJ
        ILjafOHbKzw6ubVQpv+Nny77neye13osb0uJ7xwl/5yw6pvt5X/unmNjpLjlnpmz
        AvMfN2p1pKXHVwjiS7IiTbSIIfAma3KuRnJJn/1ouXDa/f+Jgfy5jb5TxUgqYF/J
        Vjd+MIxZSGcLlhy61kr/su80
        -----END PRIVATE KEY-----
        """

    /// RSASSA-PKCS1-v1_5 is deterministic (RFC 8017 §8.2), so RS256 has a fixed answer:
    ///   printf %s "$input" | openssl dgst -sha256 -binary -sign rsa.pem
    /// over the same signing input as the HMAC vectors, with "alg":"RS256".
    static let rs256Expected =
        "eyJ1cmkiOiIvdjUvZzJnL2VkaXQiLCJhdXRoX2lkIjoiMTIzNDU2IiwibWV0aG9kIjoiUE9TVCIsInBhcmFtcyI6IiIsImFsZyI6IlJTMjU2In0..E5PUWGzOz53uFEfXBcc6i7pqr2w016nyyYrpZNDJR9XIOaDGloA9cNDNCkZ8zjIQvoaCTJ-F5FE6vwzU_qQiMf9pK_-HNUrZ1w4wDUYFAXWcZKpN-4KugNY2aaOewhRwoRMcqkH5kUwH2TIghWfFUYqiARS_2SEuov_OGghyrYv9JsgSmcR-GV2vp63R5R7V4eWWoUv_XJXGSB2Ytj8kQAvNBNXsB4hJMSTnmHZWnvAG0u8y_INKydqHvjy4COxaiKpcdKw8BHCjxsfN0oHFXG3G7Sqw8Fm6xlqZyEfwPuEyROHeiZu22WjyokgaKSitUgOMOi2tm94CY3N1gR4O-A"

    @Test func rs256KnownAnswerComputedByOpenSSL() throws {
        let key = try SigningKey(algorithm: .rs256, keyData: Array(Self.rsaPrivateKeyPEM.utf8))
        let header = JOSEHeaderLayout.gateway.header(path: "/v5/g2g/edit", merchantID: "123456", method: "POST", algorithm: .rs256)
        #expect(DetachedJWS.sign(header: header, payload: Self.body, key: key) == Self.rs256Expected)
        #expect(DetachedJWS.verify(Self.rs256Expected, payload: Self.body, key: key) == header.serialized())
        #expect(DetachedJWS.verify(Self.rs256Expected, payload: Self.body + [0x20], key: key) == nil)
    }

    /// A P-256 key made with `openssl ecparam -name prime256v1 -genkey` (PKCS#8), and its public
    /// key as `openssl ec -pubout` printed it.
    static let ecPrivateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVlpOc+Y0Hmma3SmW
        SARR9u3s7MovW6etLYa7N+haVR+hRANCAASqKclY0Pw1N4j/Y2j8y0EtjRvYgWnU
        NAqaJYndZLBBGILf/h1P4V2lEVxM7H80Oz440c7OjoPKmHMhX1agi24O
        -----END PRIVATE KEY-----
        """
    static let ecPublicKeyPEM = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqinJWND8NTeI/2No/MtBLY0b2IFp
        1DQKmiWJ3WSwQRiC3/4dT+FdpRFcTOx/NDs+ONHOzo6DyphzIV9WoItuDg==
        -----END PUBLIC KEY-----
        """

    /// ECDSA is randomized, so ES256 has no fixed answer: each signature is checked by the
    /// `openssl` command line (`dgst -sha256 -verify`) against the public key above, after
    /// turning JWS's r‖s (RFC 7518 §3.4) into DER with `ecdsaDER` below, written for this test.
    @Test func es256VerifiedByOpenSSL() async throws {
        let key = try SigningKey(algorithm: .es256, keyData: Array(Self.ecPrivateKeyPEM.utf8))
        let header = JOSEHeaderLayout.gateway.header(path: "/v5/g2g/edit", merchantID: "123456", method: "POST", algorithm: .es256)
        let value = DetachedJWS.sign(header: header, payload: Self.body, key: key)
        let parts = value.components(separatedBy: "..")
        try #require(parts.count == 2)
        #expect(
            parts[0] == "eyJ1cmkiOiIvdjUvZzJnL2VkaXQiLCJhdXRoX2lkIjoiMTIzNDU2IiwibWV0aG9kIjoiUE9TVCIsInBhcmFtcyI6IiIsImFsZyI6IkVTMjU2In0")
        let signature = try #require(Base64URL.decode(parts[1]))
        #expect(signature.count == 64)
        let input = Array((parts[0] + "." + "eyJpZCI6IjAxOTc4ZDRmLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMCIsImFtb3VudCI6MTAwfQ").utf8)
        #expect(try await OpenSSLCommand.verifyES256(publicKeyPEM: Self.ecPublicKeyPEM, signatureDER: ecdsaDER(signature), input: input))
        #expect(
            try await !OpenSSLCommand.verifyES256(
                publicKeyPEM: Self.ecPublicKeyPEM, signatureDER: ecdsaDER(signature), input: input + [0x20]))
    }

    @Test func verifyRejectsMalformedValues() throws {
        let key = try SigningKey(algorithm: .hs256, keyData: Array("k".utf8))
        for value in ["", "a.b.c", "abc", "a..b..c", "!!..AA", "eyJ9..$$"] {
            #expect(DetachedJWS.verify(value, payload: [], key: key) == nil)
        }
    }
}
