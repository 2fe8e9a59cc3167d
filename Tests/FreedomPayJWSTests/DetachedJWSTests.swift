import Crypto
import _CryptoExtras
import Testing
@testable import FreedomPayJWS

@Suite struct DetachedJWSTests {
    @Test func cardAPIKnownAnswer() throws {
        // From Freedom Pay's Card API documentation.
        let header = JOSEHeaderLayout.gateway.header(path: "/v5/card-api/request/status", merchantID: "123456", method: "POST", algorithm: .hs512)
        #expect(String(decoding: header.serialized(), as: UTF8.self)
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
        let header = JOSEHeaderLayout.gateway.header(path: "/v5/g2g/edit", merchantID: "123456", method: "POST", algorithm: .hs256, keyID: "k1")
        #expect(String(decoding: header.serialized(), as: UTF8.self)
            == #"{"uri":"/v5/g2g/edit","auth_id":"123456","method":"POST","params":"","alg":"HS256","kid":"k1"}"#)
    }

    @Test func invoiceLayoutUsesPathAndNumericMerchant() {
        let header = JOSEHeaderLayout.invoice.header(path: "/v5/invoice", merchantID: "42", method: "POST", algorithm: .hs512)
        #expect(String(decoding: header.serialized(), as: UTF8.self)
            == #"{"path":"/v5/invoice","merchant_id":42,"method":"POST","params":"","alg":"HS512"}"#)
    }

    @Test func headerEscapesJSONStrings() {
        let header = JOSEHeader(fields: [.init("a\"b", .string("c\\d\n\u{1}"))])
        #expect(String(decoding: header.serialized(), as: UTF8.self) == #"{"a\"b":"c\\d\n\u0001"}"#)
    }

    @Test(arguments: [JWSAlgorithm.hs256, .hs384, .hs512])
    func hmacMatchesIndependentComputation(_ algorithm: JWSAlgorithm) throws {
        let secret = Array("merchant-secret".utf8)
        let key = try SigningKey(algorithm: algorithm, keyData: secret + [0x0A])
        let body = Array(#"{"id":"01978d4f-0000-7000-8000-000000000000","amount":100}"#.utf8)
        let header = JOSEHeaderLayout.gateway.header(path: "/v5/g2g/edit", merchantID: "1", method: "POST", algorithm: algorithm)
        let value = DetachedJWS.sign(header: header, payload: body, key: key)
        let input = Array((Base64URL.encode(header.serialized()) + "." + Base64URL.encode(body)).utf8)
        let symmetric = SymmetricKey(data: secret)
        let expected: [UInt8] = switch algorithm {
        case .hs384: Array(HMAC<SHA384>.authenticationCode(for: input, using: symmetric))
        case .hs512: Array(HMAC<SHA512>.authenticationCode(for: input, using: symmetric))
        default: Array(HMAC<SHA256>.authenticationCode(for: input, using: symmetric))
        }
        #expect(value == Base64URL.encode(header.serialized()) + ".." + Base64URL.encode(expected))
        #expect(DetachedJWS.verify(value, payload: body, key: key) == header.serialized())
        #expect(DetachedJWS.verify(value, payload: body + [0x20], key: key) == nil)
    }

    @Test func rs256RoundTripAgainstPublicKey() throws {
        let privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let key = try SigningKey(algorithm: .rs256, keyData: Array(privateKey.pemRepresentation.utf8))
        let body = Array(#"{"id":"x","amount":1}"#.utf8)
        let header = JOSEHeaderLayout.gateway.header(path: "/v5/g2g/edit", merchantID: "1", method: "POST", algorithm: .rs256)
        let value = DetachedJWS.sign(header: header, payload: body, key: key)
        let parts = value.components(separatedBy: "..")
        let signature = try #require(Base64URL.decode(parts[1]))
        let input = Array((parts[0] + "." + Base64URL.encode(body)).utf8)
        #expect(privateKey.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: input, padding: .insecurePKCS1v1_5))
        #expect(!privateKey.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: input + [0], padding: .insecurePKCS1v1_5))
    }

    @Test func es256RoundTripAgainstPublicKey() throws {
        let privateKey = P256.Signing.PrivateKey()
        let key = try SigningKey(algorithm: .es256, keyData: Array(privateKey.pemRepresentation.utf8))
        let body = Array(#"{"id":"x","amount":1}"#.utf8)
        let header = JOSEHeaderLayout.gateway.header(path: "/v5/g2g/edit", merchantID: "1", method: "POST", algorithm: .es256)
        let value = DetachedJWS.sign(header: header, payload: body, key: key)
        let parts = value.components(separatedBy: "..")
        let signature = try #require(Base64URL.decode(parts[1]))
        #expect(signature.count == 64)  // JWS ES256 is r||s, not DER (RFC 7518 §3.4)
        let input = Array((parts[0] + "." + Base64URL.encode(body)).utf8)
        let ecdsa = try P256.Signing.ECDSASignature(rawRepresentation: signature)
        #expect(privateKey.publicKey.isValidSignature(ecdsa, for: input))
        #expect(!privateKey.publicKey.isValidSignature(ecdsa, for: input + [0]))
    }

    @Test func verifyRejectsMalformedValues() throws {
        let key = try SigningKey(algorithm: .hs256, keyData: Array("k".utf8))
        for value in ["", "a.b.c", "abc", "a..b..c", "!!..AA", "eyJ9..$$"] {
            #expect(DetachedJWS.verify(value, payload: [], key: key) == nil)
        }
    }
}
