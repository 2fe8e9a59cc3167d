import Crypto
import Foundation

/// A detached-JWS checker written for the tests from RFC 7515 §7.2 and RFC 7518 §3.2 alone:
/// it shares no code with FreedomPayJWS (base64url with Foundation, the header read with
/// JSONSerialization, HMAC from swift-crypto), so that a bug there cannot cancel out here.
public enum IndependentJWS {
    /// The JOSE header's text when `value` is `base64url(header)..base64url(MAC)` and MAC is
    /// the HMAC, with `secret` and the hash the header's `alg` names (HS256, HS384, HS512),
    /// of `base64url(header) + "." + base64url(body)`; nil for anything else.
    public static func verifiedHeader(_ value: String, body: [UInt8], secret: String) -> String? {
        let parts = value.components(separatedBy: ".")
        guard parts.count == 3, parts[1].isEmpty, let headerBytes = decode(parts[0]), let mac = decode(parts[2]) else { return nil }
        guard let header = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any], let alg = header["alg"] as? String
        else { return nil }
        let input = Data((parts[0] + "." + encode(Data(body))).utf8)
        let key = SymmetricKey(data: Data(secret.utf8))
        let expected: Data
        switch alg {
        case "HS256": expected = Data(HMAC<SHA256>.authenticationCode(for: input, using: key))
        case "HS384": expected = Data(HMAC<SHA384>.authenticationCode(for: input, using: key))
        case "HS512": expected = Data(HMAC<SHA512>.authenticationCode(for: input, using: key))
        default: return nil
        }
        guard expected == mac, encode(headerBytes) == parts[0], encode(mac) == parts[2] else { return nil }
        return String(decoding: headerBytes, as: UTF8.self)
    }

    /// Whether `header` is, byte for byte, a Freedom Pay JOSE header for `merchantID`,
    /// `method` and `path` (the layouts `JOSEHeaderLayout` in
    /// Sources/FreedomPayJWS/JOSEHeader.swift names, rebuilt here as text): the Gateway layout
    /// `{"uri":…,"auth_id":"…","method":…,"params":"","alg":…}` or the Invoice layout
    /// `{"path":…,"merchant_id":…,"method":…,"params":"","alg":…}` (a numeric merchant id),
    /// `alg` one of HS256, HS384, HS512, and an optional string `"kid"` after `alg`.
    public static func isFreedomPayHeader(_ header: String, path: String, merchantID: String, method: String) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any],
            let alg = object["alg"] as? String, ["HS256", "HS384", "HS512"].contains(alg)
        else { return false }
        let kid = (object["kid"] as? String).map { #","kid":"\#($0)""# } ?? ""
        let tail = #""method":"\#(method)","params":"","alg":"\#(alg)"\#(kid)}"#
        return header == #"{"uri":"\#(path)","auth_id":"\#(merchantID)","# + tail
            || header == #"{"path":"\#(path)","merchant_id":\#(merchantID),"# + tail
    }

    static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
