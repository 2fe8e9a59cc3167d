/// `application/x-www-form-urlencoded` (WHATWG URL §5.1, as PHP reads it): `&`-separated
/// `name=value` pairs, `+` for space, `%XX` for any byte.
enum URLEncodedForm {
    static func read(_ body: [UInt8], policy: FormReadingPolicy) throws(FormReadError) -> [MerchantField] {
        var fields: [MerchantField] = []
        if body.isEmpty { return fields }
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false) {
            if pair.isEmpty {
                guard policy.allowsEmptyPairs else { throw FormReadError(.emptyOrIncompletePair) }
                continue
            }
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            if equals == nil && !policy.allowsEmptyPairs {
                throw FormReadError(.emptyOrIncompletePair, field: String(decoding: pair.prefix(64), as: UTF8.self))
            }
            let rawName = pair[pair.startIndex..<(equals ?? pair.endIndex)]
            let rawValue = equals.map { pair[pair.index(after: $0)...] } ?? []
            let name = try decode(rawName, field: nil, policy: policy)
            let value = try decode(rawValue, field: name, policy: policy)
            fields.append(MerchantField(name: name, value: value))
            guard fields.count <= policy.maxFields else { throw FormReadError(.tooManyFields) }
        }
        return fields
    }

    private static func decode(_ raw: ArraySlice<UInt8>, field: String?, policy: FormReadingPolicy) throws(FormReadError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(0x20)
                index += 1
            case UInt8(ascii: "%"):
                guard index + 2 < raw.endIndex, let high = hexValue(raw[index + 1]), let low = hexValue(raw[index + 2]) else {
                    throw FormReadError(.invalidPercentEncoding, field: field)
                }
                bytes.append(high << 4 | low)
                index += 3
            default:
                if !policy.allowsControlAndRawBytes && (byte < 0x21 || byte > 0x7E) {
                    throw FormReadError(.controlCharacter, field: field)
                }
                bytes.append(byte)
                index += 1
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FormReadError(.invalidUTF8, field: field) }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
