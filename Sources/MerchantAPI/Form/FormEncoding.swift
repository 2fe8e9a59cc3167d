/// `application/x-www-form-urlencoded` output: every byte but the unreserved ones
/// (RFC 3986 §2.3) percent-encoded, so that no reader can split or decode it differently.
/// The one encoder of the sidecar's signed forms and of the sandbox's callbacks.
public enum FormEncoding {
    /// `name=value` pairs joined with `&`, in the given order.
    public static func urlEncoded(_ fields: [MerchantField]) -> [UInt8] {
        var out: [UInt8] = []
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            append(field.name, to: &out)
            out.append(UInt8(ascii: "="))
            append(field.value, to: &out)
        }
        return out
    }

    /// The same, as text (for a query string).
    public static func urlEncodedText(_ fields: [MerchantField]) -> String {
        String(decoding: urlEncoded(fields), as: UTF8.self)
    }

    private static func append(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
    }
}
