// libFuzzer target: the chunked request-body decoder, behind a fixed head. See scripts/fuzz.sh.

private let limits = HTTPParserLimits(maxHeaderBytes: 1024, maxHeaderCount: 16, maxBodyBytes: 2048)
private let head = Array("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChunkedBody(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = fuzzInput(data, size)
    let input = head + body
    let whole = RequestRun(pieces(of: input, splitAt: nil), limits: limits)
    whole.checkInvariants(limits: limits)
    let split = head.count + derivedSplitPoint(body)
    let twoPieces = RequestRun(pieces(of: input, splitAt: split), limits: limits)
    fuzzCheck(twoPieces == whole, "split at \(split) differs from whole input: \(twoPieces) vs \(whole)")
    if body.count <= 512 {
        let bytewise = RequestRun(bytewisePieces(of: input), limits: limits)
        fuzzCheck(bytewise == whole, "byte-by-byte differs from whole input: \(bytewise) vs \(whole)")
    }
    // Whatever the strict decoder accepts, a plain reading of RFC 9112 §7.1 decodes the same.
    if let request = whole.requests.first {
        let reference = referenceChunkedBody(body[...])
        fuzzCheck(reference == request.body, "decoded \(request.body) but the reference reads \(String(describing: reference))")
    }
    return 0
}

/// A lenient, whole-input chunked decoder written from RFC 9112 §7.1 alone: hex size,
/// anything up to CRLF, data, CRLF; after the last chunk, lines up to an empty one.
private func referenceChunkedBody(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
    var index = bytes.startIndex
    var body: [UInt8] = []
    func line() -> ArraySlice<UInt8>? {
        guard let lf = bytes[index...].firstIndex(of: UInt8(ascii: "\n")), lf > index, bytes[lf - 1] == UInt8(ascii: "\r") else {
            return nil
        }
        defer { index = lf + 1 }
        return bytes[index..<(lf - 1)]
    }
    while true {
        guard let sizeLine = line() else { return nil }
        var size = 0
        let digits = sizeLine.prefix { UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 || UInt8(ascii: "a")...UInt8(ascii: "f") ~= ($0 | 0x20) }
        guard !digits.isEmpty else { return nil }
        for digit in digits {
            size = size * 16 + Int(digit <= UInt8(ascii: "9") ? digit - UInt8(ascii: "0") : (digit | 0x20) - UInt8(ascii: "a") + 10)
            guard size < 1 << 40 else { return nil }
        }
        if size == 0 {
            while true {
                guard let trailer = line() else { return nil }
                if trailer.isEmpty { return body }
            }
        }
        guard bytes.endIndex - index >= size + 2 else { return nil }
        body += bytes[index..<(index + size)]
        index += size
        guard bytes[index] == UInt8(ascii: "\r"), bytes[index + 1] == UInt8(ascii: "\n") else { return nil }
        index += 2
    }
}
