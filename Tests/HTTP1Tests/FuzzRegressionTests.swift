import HTTP1
import Testing

/// Inputs that libFuzzer found (scripts/fuzz.sh), kept byte for byte.
@Suite struct FuzzRegressionTests {
    /// FuzzRequestParser, minimized: a line longer than maxHeaderBytes (1024 in the target)
    /// that ends in a bare LF. All at once it was "bare LF"; cut at byte 1026 it was "header
    /// too large", because the limit was only checked at the line's end or the buffer's end.
    static let lineOverLimitEndingInBareLF = hexBytes(
        "20285831313b754c696e753a5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e51515151515151515151515e5e5e",
        "5e5e5e5ed9d9d9d9d9d9d9d9d9d9d9d9d9d9d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1",
        "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d5d1d1d1d1d1d1d1d1d1d1d1d1",
        "d13b20556e7361666542754c696e75782069d974696f6e3a5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e",
        "5e5e5e5e5ed9d9d9d9d9d9d9d9d9d9d9d9d9d9d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1",
        "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1",
        "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d9d9d9d9d9d9d9d9d9d9d9d920693638363b20656e2d55533b",
        "2072763a312e3929d9d960d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9",
        "d9d9d9d9d9d9d9d9aed9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9",
        "d974696f6e3a5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e01000000000001d75e5e5e5e5e",
        "5e5e5e5e5e5e5e5e496e745e5e5e5e5e5e5e595e5e5e5e5e5e5e5e5e5e5e5e2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f",
        "2f2f2f2f2f7a696c6c612f352e302028583131d9d974697f6e3a5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e2e302e30",
        "2e303d35696e7578206920363865363b6e2d55533b20f9f9f9f9f9f9f9f9f9f9f9f94d6f7a696c6c612f352e30202801",
        "00000000000015757820693638363b207276656ed1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d9d9d9d9d9d9d9",
        "d9d9d9d9d920693638363b20653d6e2d55533b2072763a312e392920475df9f9f9f9f9f9f9d9d9d960d9d9d9d9d9d9d9",
        "d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9aed9d9d9d9d9d9d9d9d9",
        "d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9612f352e3020280100000000000015757820693638363b207276656ed1",
        "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d9d9d9d9d9d9d9d9d9d9d9d920693638363b20656e2d55533b207276",
        "3a312e392920475df9f9f9f9f9f9f9d9d9d960d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9",
        "d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9aed9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d9d95dd9d9d9d9d9d9d9d9d9",
        "d9d9d9d9d9d9d9d9d9d974696f6e3ad1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d9d9d9d9d9d9d9d9d9d9d9",
        "d920693638363b20656e2d55533b2072763a312e39363b20652d536e0d7255760a"
    )

    @Test func lineOverTheLimitFailsTheSameWhereverTheInputIsCut() {
        let input = Self.lineOverLimitEndingInBareLF
        let limits = HTTPParserLimits(maxHeaderBytes: 1024, maxHeaderCount: 16, maxBodyBytes: 2048, maxLeadingEmptyLines: 2)
        #expect(input.count == 1041)
        let whole = parseWhole(input, limits: limits)
        #expect(whole.error == .headerTooLarge)
        #expect(parseBytewise(input, limits: limits) == whole)
        for cut in [1024, 1025, 1026, 1040] {
            var parser = HTTPRequestParser(limits: limits)
            var outcome = ParseOutcome()
            parser.append(input[..<cut])
            drain(&parser, into: &outcome)
            if outcome.error == nil {
                parser.append(input[cut...])
                drain(&parser, into: &outcome)
            }
            #expect(outcome == whole, "cut at \(cut)")
        }
    }

    @Test func responseLineOverTheLimitFailsTheSameWhereverTheInputIsCut() {
        // The same shape through the response parser, which shares the line reader.
        let input = bytes("HTTP/1.1 200 OK\r\nX-A: ") + Array(repeating: UInt8(ascii: "a"), count: 60) + bytes("\n\r\n")
        let limits = HTTPResponseLimits(maxHeaderBytes: 64)
        let whole = parseResponse(input, limits: limits)
        #expect(whole.error == .headerTooLarge)
        for at in 0...input.count {
            #expect(parseResponse(input, limits: limits, feeding: .split(at)) == whole, "split at \(at)")
        }
    }
}

/// Bytes from hexadecimal text split over several literals.
private func hexBytes(_ parts: String...) -> [UInt8] {
    let digits = Array(parts.joined().utf8)
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)! }
}
