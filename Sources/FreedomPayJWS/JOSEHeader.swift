/// A JOSE header whose fields are serialized in exactly the given order, compactly.
///
/// Freedom Pay verifies the signature over the base64url of these exact bytes, so field
/// order and spacing are part of the contract; a JSON encoder's ordering is not used.
public struct JOSEHeader: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case string(String)
        /// A JSON number written as given (a numeric merchant id).
        case number(String)
    }

    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: Value

        public init(_ name: String, _ value: Value) {
            self.name = name
            self.value = value
        }
    }

    public var fields: [Field]

    public init(fields: [Field]) {
        self.fields = fields
    }

    /// `{"name":value,...}` with no whitespace.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JOSEHeader.appendJSONString(field.name, to: &out)
            out.append(UInt8(ascii: ":"))
            switch field.value {
            case .string(let text): JOSEHeader.appendJSONString(text, to: &out)
            case .number(let literal): out.append(contentsOf: literal.utf8)
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// RFC 8259 §7 string escaping; `/` is not escaped, matching common JSON encoders' compact output.
    static func appendJSONString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// How a v5 API names its JOSE header fields. The Gateway API uses `uri` and a string
/// `auth_id`; the Invoice API uses `path` and a numeric `merchant_id`.
public struct JOSEHeaderLayout: Sendable, Equatable, Codable {
    public var pathField: String
    public var merchantField: String
    public var merchantIsNumber: Bool

    public init(pathField: String = "uri", merchantField: String = "auth_id", merchantIsNumber: Bool = false) {
        self.pathField = pathField
        self.merchantField = merchantField
        self.merchantIsNumber = merchantIsNumber
    }

    public static let gateway = JOSEHeaderLayout()
    public static let invoice = JOSEHeaderLayout(pathField: "path", merchantField: "merchant_id", merchantIsNumber: true)

    /// The header in Freedom Pay's documented order: path, merchant, method, params, alg[, kid].
    public func header(path: String, merchantID: String, method: String, algorithm: JWSAlgorithm, keyID: String? = nil) -> JOSEHeader {
        var fields = [
            JOSEHeader.Field(pathField, .string(path)),
            JOSEHeader.Field(merchantField, merchantIsNumber ? .number(merchantID) : .string(merchantID)),
            JOSEHeader.Field("method", .string(method)),
            JOSEHeader.Field("params", .string("")),
            JOSEHeader.Field("alg", .string(algorithm.rawValue)),
        ]
        if let keyID { fields.append(JOSEHeader.Field("kid", .string(keyID))) }
        return JOSEHeader(fields: fields)
    }
}
