/// Freedom Pay's `X-JWS-Signature`: a compact JWS with a detached payload (RFC 7515 Appendix F).
public enum DetachedJWS {
    /// `b64url(header) + ".." + b64url(signature)`, where the signature covers
    /// `b64url(header) + "." + b64url(payload)` and payload is the exact body bytes.
    public static func sign(header: JOSEHeader, payload: [UInt8], key: SigningKey) -> String {
        sign(encodedHeader: encode(header), payload: payload, key: key)
    }

    /// The same with the header already encoded (`encode(_:)`), which a caller signing many
    /// requests for one route computes once.
    public static func sign(encodedHeader: String, payload: [UInt8], key: SigningKey) -> String {
        let signature = key.sign(signingInput(encodedHeader: encodedHeader, payload: payload))
        return encodedHeader + ".." + Base64URL.encode(signature)
    }

    /// `b64url(header)`, the first part of the signature value.
    public static func encode(_ header: JOSEHeader) -> String {
        Base64URL.encode(header.serialized())
    }

    /// The decoded header bytes of a detached JWS if its signature over `payload` is valid.
    /// The caller then checks that the header says what it expects (path, method, alg).
    public static func verify(_ value: String, payload: [UInt8], key: SigningKey) -> [UInt8]? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].isEmpty,
              let header = Base64URL.decode(parts[0]),
              let signature = Base64URL.decode(parts[2])
        else { return nil }
        let input = signingInput(encodedHeader: String(parts[0]), payload: payload)
        return key.isValidSignature(signature, for: input) ? header : nil
    }

    static func signingInput(encodedHeader: String, payload: [UInt8]) -> [UInt8] {
        var input = Array(encodedHeader.utf8)
        input.append(UInt8(ascii: "."))
        Base64URL.append(payload, to: &input)
        return input
    }
}
