/// `multipart/form-data` (RFC 7578 over RFC 2046 §5.1.1), fields only.
///
/// Read strictly whatever the policy: the body starts with the first delimiter (no
/// preamble), lines end in CRLF, each part has exactly one `Content-Disposition: form-data;
/// name="…"` and at most `Content-Type: text/plain` (optionally `; charset=utf-8`); a
/// `filename` makes it a file part, refused. After the close delimiter only CRLF may follow.
enum MultipartForm {
    static func read(_ body: [UInt8], boundary: String, policy: FormReadingPolicy) throws(FormReadError) -> [MerchantField] {
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [0x0D, 0x0A]
        guard body.starts(with: delimiter) else { throw FormReadError(.malformedMultipart) }
        var index = delimiter.count
        var fields: [MerchantField] = []
        let nextDelimiter = crlf + delimiter
        while true {
            if body[index...].starts(with: "--".utf8) {
                let rest = body[(index + 2)...]
                guard rest.isEmpty || Array(rest) == crlf else { throw FormReadError(.malformedMultipart) }
                return fields
            }
            guard body[index...].starts(with: crlf) else { throw FormReadError(.malformedMultipart) }
            index += 2
            guard let headerEnd = find(crlf + crlf, in: body, from: index) else { throw FormReadError(.malformedMultipart) }
            let name = try readPartHeaders(body[index..<headerEnd], policy: policy)
            let valueStart = headerEnd + 4
            guard let valueEnd = find(nextDelimiter, in: body, from: valueStart) else { throw FormReadError(.malformedMultipart) }
            guard let value = String(validating: body[valueStart..<valueEnd], as: UTF8.self) else {
                throw FormReadError(.invalidUTF8, field: name)
            }
            fields.append(MerchantField(name: name, value: value))
            guard fields.count <= policy.maxFields else { throw FormReadError(.tooManyFields) }
            index = valueEnd + nextDelimiter.count
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count, start <= haystack.count - needle.count else { return nil }
        var position = start
        while position <= haystack.count - needle.count {
            if haystack[position] == needle[0] && haystack[position..<(position + needle.count)].elementsEqual(needle) {
                return position
            }
            position += 1
        }
        return nil
    }

    /// The part's field name, from its headers.
    private static func readPartHeaders(_ block: ArraySlice<UInt8>, policy: FormReadingPolicy) throws(FormReadError) -> String {
        var name: String?
        var sawContentType = false
        for line in block.split(separator: 0x0A, omittingEmptySubsequences: false) {
            guard line.last == 0x0D || line.endIndex == block.endIndex else { throw FormReadError(.malformedMultipart) }
            let content = line.last == 0x0D ? line.dropLast() : line
            guard content.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), let colon = content.firstIndex(of: UInt8(ascii: ":")) else {
                throw FormReadError(.malformedMultipart)
            }
            let headerName = String(decoding: content[..<colon], as: UTF8.self).lowercased()
            let value = String(decoding: content[(colon + 1)...], as: UTF8.self).trimmingSpaces()
            switch headerName {
            case "content-disposition":
                guard name == nil else { throw FormReadError(.malformedMultipart) }
                name = try fieldName(fromDisposition: value, policy: policy)
            case "content-type":
                let lowered = value.lowercased().replacingSpaces()
                guard !sawContentType, lowered == "text/plain" || lowered == "text/plain;charset=utf-8" else {
                    throw FormReadError(.unsupportedPartHeader, field: name)
                }
                sawContentType = true
            default:
                throw FormReadError(.unsupportedPartHeader, field: name)
            }
        }
        guard let name else { throw FormReadError(.malformedMultipart) }
        return name
    }

    /// `form-data; name="…"`: a quoted name without `"`, `\` or controls, no other parameter.
    private static func fieldName(fromDisposition value: String, policy: FormReadingPolicy) throws(FormReadError) -> String {
        let parameters = value.split(separator: ";", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
        guard parameters.first?.lowercased() == "form-data" else { throw FormReadError(.malformedMultipart) }
        var name: String?
        for parameter in parameters.dropFirst() {
            guard let equals = parameter.firstIndex(of: "=") else { throw FormReadError(.malformedMultipart) }
            let key = parameter[..<equals].lowercased()
            let raw = parameter[parameter.index(after: equals)...]
            if key == "filename" || key == "filename*" { throw FormReadError(.filePart, field: name) }
            guard key == "name", name == nil, raw.count >= 2, raw.first == "\"", raw.last == "\"" else {
                throw FormReadError(.malformedMultipart)
            }
            let inner = raw.dropFirst().dropLast()
            guard !inner.contains("\""), !inner.contains("\\") else { throw FormReadError(.malformedMultipart) }
            name = String(inner)
        }
        guard let name else { throw FormReadError(.malformedMultipart) }
        return name
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " || scalars.first == "\t" { scalars.removeFirst() }
        while scalars.last == " " || scalars.last == "\t" { scalars.removeLast() }
        return String(scalars)
    }

    fileprivate func replacingSpaces() -> String {
        String(filter { $0 != " " && $0 != "\t" })
    }
}
