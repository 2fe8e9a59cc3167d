import Crypto
import JSONCore

/// An HMAC-SHA256, under a key drawn at random when the process starts, of an operation as
/// its body schema reads it: the route path, the action, and the body's fields in their
/// canonical form — so that the same refund re-serialized with other spacing, key order,
/// string escapes or UUID case is the same operation, and any change to what Freedom Pay
/// would act on is another. Keyed because create-payment bodies carry card numbers: the
/// record holds nothing from which a body could be recovered or guessed offline.
///
/// Canonical forms (each part length-prefixed, so no two operations share an input):
/// - closed schemas: each of the schema's fields in its order, present or absent; a UUID as
///   lower-case hex (RFC 9562 §4: hex digits are case-insensitive); an amount as whole cents
///   (`100`, `100.0` and `100.00` are one amount); `order_id` as its bytes;
/// - `json-object`: the parsed value with object keys sorted by their UTF-8 bytes, strings as
///   their UTF-8 bytes after unescaping, numbers as the 64-bit float the schema checks them
///   as (`1`, `1.0` and `1e0` are one number; `-0` is `0`).
struct OperationFingerprint: Sendable, Hashable {
    /// The first 16 bytes of the HMAC (RFC 2104 §5 allows truncation to half the output).
    let high: UInt64
    let low: UInt64

    /// Computes the fingerprints of one process.
    struct Hasher: Sendable {
        private let key: SymmetricKey

        /// A fresh random key (the system generator), unknown outside this process.
        init() {
            key = SymmetricKey(size: .bits256)
        }

        /// `body` must have passed `BodyValidator` for `schema` (it is its parsed value).
        func fingerprint(path: String, action: String, schema: BodySchema, body: JSONValue) -> OperationFingerprint {
            var input = FingerprintInput()
            input.append(text: "freedompay-sidecar operation v1")
            input.append(text: path)
            input.append(text: action)
            input.append(text: schema.rawValue)
            if let closed = schema.closedFields, case .object(let members) = body {
                for field in closed.fields {
                    input.append(text: field.name)
                    guard let value = members[field.name] else {
                        input.append(tag: 0)
                        continue
                    }
                    input.append(tag: 1)
                    input.append(closedField: value, kind: field.kind)
                }
            } else {
                input.append(json: body)
            }
            var mac = HMAC<SHA256>(key: key)
            mac.update(data: input.bytes)
            let digest = Array(mac.finalize())
            var high: UInt64 = 0
            var low: UInt64 = 0
            for index in 0..<8 {
                high = high << 8 | UInt64(digest[index])
                low = low << 8 | UInt64(digest[index + 8])
            }
            return OperationFingerprint(high: high, low: low)
        }
    }
}

/// The bytes an `OperationFingerprint` is computed over.
private struct FingerprintInput {
    var bytes: [UInt8] = []

    mutating func append(tag: UInt8) {
        bytes.append(tag)
    }

    mutating func append(length: Int) {
        let value = UInt32(truncatingIfNeeded: length)
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func append(text: String) {
        append(length: text.utf8.count)
        bytes.append(contentsOf: text.utf8)
    }

    mutating func append(closedField value: JSONValue, kind: BodyField.Kind) {
        switch (kind, value) {
        case (.paymentID, .string(let text)), (.requestID, .string(let text)):
            append(text: String(decoding: text.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self))
        case (.amount, .number(let literal)):
            append(text: String(OperationFingerprint.cents(literal)))
        case (.orderID, .string(let text)):
            append(text: text)
        default:
            // Unreachable after validation; kept distinct from every valid form.
            append(tag: 0xFF)
            append(json: value)
        }
    }

    mutating func append(json value: JSONValue) {
        switch value {
        case .null:
            append(tag: 0x10)
        case .bool(let flag):
            append(tag: flag ? 0x12 : 0x11)
        case .number(let literal):
            append(tag: 0x13)
            let number = Double(literal) ?? .nan
            let bits = number == 0 ? 0 : number.bitPattern
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        case .string(let text):
            append(tag: 0x14)
            append(text: text)
        case .array(let elements):
            append(tag: 0x15)
            append(length: elements.count)
            for element in elements { append(json: element) }
        case .object(let members):
            append(tag: 0x16)
            append(length: members.count)
            for key in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                append(text: key)
                append(json: members[key]!)
            }
        }
    }
}

extension OperationFingerprint {
    /// Whole cents of a validated amount literal (plain decimal, at most two fractional digits).
    static func cents(_ literal: String) -> UInt64 {
        var cents: UInt64 = 0
        var fractionDigits = -1
        for byte in literal.utf8 {
            if byte == UInt8(ascii: ".") {
                fractionDigits = 0
                continue
            }
            cents = cents &* 10 &+ UInt64(byte &- UInt8(ascii: "0"))
            if fractionDigits >= 0 { fractionDigits += 1 }
        }
        for _ in 0..<(2 - max(0, fractionDigits)) { cents = cents &* 10 }
        return cents
    }
}
