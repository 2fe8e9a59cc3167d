/// Reads a Merchant API form body ("Query Mechanics": `form-data` or
/// `x-www-form-urlencoded`) into its fields, in order, under a `FormReadingPolicy`.
public enum FormReader {
    /// The body's fields for a `Content-Type` header value.
    public static func read(body: [UInt8], contentType: String, policy: FormReadingPolicy) throws(FormReadError) -> [MerchantField] {
        switch try FormContentType(contentType) {
        case .urlEncoded: return try readURLEncoded(body, policy: policy)
        case .multipart(let boundary): return try readMultipart(body, boundary: boundary, policy: policy)
        }
    }

    /// An `application/x-www-form-urlencoded` body's fields.
    public static func readURLEncoded(_ body: [UInt8], policy: FormReadingPolicy) throws(FormReadError) -> [MerchantField] {
        try check(URLEncodedForm.read(body, policy: policy), policy: policy)
    }

    /// A `multipart/form-data` body's fields; a file part is `.filePart`.
    public static func readMultipart(_ body: [UInt8], boundary: String, policy: FormReadingPolicy) throws(FormReadError) -> [MerchantField]
    {
        try check(MultipartForm.read(body, boundary: boundary, policy: policy), policy: policy)
    }

    /// The checks on names and values that do not depend on the encoding.
    static func check(_ fields: [MerchantField], policy: FormReadingPolicy) throws(FormReadError) -> [MerchantField] {
        var seen = Set<String>()
        for field in fields {
            guard !field.name.isEmpty else { throw FormReadError(.emptyName) }
            guard field.name.utf8.count <= policy.maxNameBytes else { throw FormReadError(.nameTooLong) }
            if !policy.allowsControlAndRawBytes {
                for scalar in field.name.unicodeScalars + field.value.unicodeScalars
                where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    throw FormReadError(.controlCharacter, field: field.name)
                }
            }
            if !policy.allowsNamesPHPRewrites && (field.name.contains(".") || field.name.contains(" ")) {
                throw FormReadError(.nameRewrittenByPHP, field: field.name)
            }
            if !policy.allowsSeparatorInValues && field.value.contains(";") {
                throw FormReadError(.valueContainsSeparator, field: field.name)
            }
            if !policy.allowsRepeatedNames {
                guard seen.insert(field.name).inserted else { throw FormReadError(.repeatedName, field: field.name) }
            }
        }
        return fields
    }
}

/// The two form media types, parsed from a `Content-Type` value (RFC 9110 §8.3.1).
public enum FormContentType: Equatable, Sendable {
    case urlEncoded
    case multipart(boundary: String)

    /// Accepts `application/x-www-form-urlencoded` (optionally `; charset=utf-8`) and
    /// `multipart/form-data; boundary=…` (RFC 2046 `bchars`, 1 to 70 of them).
    public init(_ value: String) throws(FormReadError) {
        let parts = value.split(separator: ";", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: " \t")
        }
        var parameters: [(String, String)] = []
        for part in parts.dropFirst() {
            guard let equals = part.firstIndex(of: "=") else { throw FormReadError(.unsupportedContentType) }
            var parameterValue = String(part[part.index(after: equals)...])
            if parameterValue.count >= 2, parameterValue.hasPrefix("\""), parameterValue.hasSuffix("\"") {
                parameterValue = String(parameterValue.dropFirst().dropLast())
            }
            parameters.append((part[..<equals].lowercased(), parameterValue))
        }
        switch parts.first?.lowercased() {
        case "application/x-www-form-urlencoded":
            guard parameters.allSatisfy({ $0.0 == "charset" && $0.1.lowercased() == "utf-8" }) else {
                throw FormReadError(.unsupportedContentType)
            }
            self = .urlEncoded
        case "multipart/form-data":
            guard parameters.count == 1, parameters[0].0 == "boundary", Self.isBoundary(parameters[0].1) else {
                throw FormReadError(.unsupportedContentType)
            }
            self = .multipart(boundary: parameters[0].1)
        default:
            throw FormReadError(.unsupportedContentType)
        }
    }

    private static func isBoundary(_ boundary: String) -> Bool {
        let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ")
        return (1...70).contains(boundary.count) && boundary.allSatisfy { allowed.contains($0) } && boundary.last != " "
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var result = self
        while let first = result.first, set.contains(first) { result.removeFirst() }
        while let last = result.last, set.contains(last) { result.removeLast() }
        return String(result)
    }
}
