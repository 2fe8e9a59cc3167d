// libFuzzer target: the request parser on arbitrary bytes. See scripts/fuzz.sh.

private let limits = HTTPParserLimits(maxHeaderBytes: 1024, maxHeaderCount: 16, maxBodyBytes: 2048, maxLeadingEmptyLines: 2)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let whole = RequestRun(pieces(of: input, splitAt: nil), limits: limits)
    whole.checkInvariants(limits: limits)
    // The parser is incremental: where the input is cut must not change anything.
    let split = derivedSplitPoint(input)
    let twoPieces = RequestRun(pieces(of: input, splitAt: split), limits: limits)
    fuzzCheck(twoPieces == whole, "split at \(split) differs from whole input: \(twoPieces) vs \(whole)")
    if input.count <= 512 {
        let bytewise = RequestRun(bytewisePieces(of: input), limits: limits)
        fuzzCheck(bytewise == whole, "byte-by-byte differs from whole input: \(bytewise) vs \(whole)")
    }
    return 0
}
