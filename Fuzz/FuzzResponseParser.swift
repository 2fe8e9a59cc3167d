// libFuzzer target: the response parser on arbitrary bytes, after a GET and after a HEAD,
// always ending with inputEnded(). See scripts/fuzz.sh.

private let limits = HTTPResponseLimits(maxHeaderBytes: 1024, maxHeaderCount: 16, maxBodyBytes: 2048)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResponseParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    for requestWasHead in [false, true] {
        let whole = ResponseRun(pieces(of: input, splitAt: nil), requestWasHead: requestWasHead)
        whole.checkInvariants(input: input, requestWasHead: requestWasHead)
        let split = derivedSplitPoint(input)
        let twoPieces = ResponseRun(pieces(of: input, splitAt: split), requestWasHead: requestWasHead)
        fuzzCheck(twoPieces == whole, "split at \(split) differs from whole input: \(twoPieces) vs \(whole)")
        if input.count <= 512 {
            let bytewise = ResponseRun(bytewisePieces(of: input), requestWasHead: requestWasHead)
            fuzzCheck(bytewise == whole, "byte-by-byte differs from whole input: \(bytewise) vs \(whole)")
        }
        // The peer closing early never yields a shorter response, except a close-delimited
        // body, which may only be a prefix of the whole one.
        let cut = derivedSplitPoint(input, seed: 1)
        let prefix = ResponseRun(pieces(of: Array(input[..<cut]), splitAt: nil), requestWasHead: requestWasHead)
        if let early = prefix.response {
            if let full = whole.response, whole.completedBeforeEnd {
                fuzzCheck(early == full, "a prefix of \(cut) bytes completed differently")
            } else if let full = whole.response {
                fuzzCheck(early.head == full.head && full.body.starts(with: early.body), "close-delimited prefix is not a prefix")
            } else {
                fuzzCheck(
                    whole.error == .bodyTooLarge,
                    "a prefix of \(cut) bytes completed, the whole failed with \(String(describing: whole.error))")
            }
        } else {
            fuzzCheck(prefix.error != nil, "a prefix neither completed nor failed")
        }
    }
    return 0
}

/// Everything the response parser produced from some input, ending with `inputEnded()`.
struct ResponseRun: Equatable {
    var events: [HTTPResponseParserEvent] = []
    var error: HTTPResponseParseError?
    /// Whether `.complete` came from `next()`, before the input ended.
    var completedBeforeEnd = false
    var ended: HTTPParsedResponse?
    var reusable = false
    var receivedBytes = false

    init(_ pieces: [ArraySlice<UInt8>], requestWasHead: Bool) {
        var parser = HTTPResponseParser(limits: limits, requestWasHead: requestWasHead)
        do {
            for piece in pieces {
                parser.append(piece)
                while let event = try parser.next() { events.append(event) }
            }
            completedBeforeEnd = response != nil
            reusable = parser.connectionReusable
            ended = try parser.inputEnded()
        } catch {
            self.error = error
        }
        receivedBytes = parser.hasReceivedBytes
    }

    var response: HTTPParsedResponse? {
        for case .complete(let response) in events { return response }
        return ended
    }

    func checkInvariants(input: [UInt8], requestWasHead: Bool) {
        fuzzCheck(receivedBytes == !input.isEmpty, "hasReceivedBytes is \(receivedBytes) after \(input.count) bytes")
        if input.isEmpty { fuzzCheck(error == .noResponse, "no bytes but \(String(describing: error))") }
        let completions = events.filter { if case .complete = $0 { true } else { false } }
        fuzzCheck(completions.count <= 1, "more than one .complete")
        if let last = events.last, completions.count == 1 { fuzzCheck(last == completions[0], ".interim after .complete") }
        for case .interim(let head) in events {
            fuzzCheck((100...199).contains(head.status) && head.status != 101, "interim status \(head.status)")
            fuzzCheck(head.headers.count <= limits.maxHeaderCount, "more interim fields than maxHeaderCount")
        }
        if completedBeforeEnd { fuzzCheck(ended == response, "inputEnded() after .complete returned another response") }
        guard let response else { return }
        let head = response.head
        fuzzCheck((200...599).contains(head.status), "final status \(head.status)")
        fuzzCheck(head.headers.count <= limits.maxHeaderCount, "more fields than maxHeaderCount")
        fuzzCheck(response.body.count <= limits.maxBodyBytes, "body over maxBodyBytes")
        if requestWasHead || head.status == 204 || head.status == 304 {
            fuzzCheck(response.body.isEmpty, "a body after HEAD or in \(head.status)")
            fuzzCheck(completedBeforeEnd, "a response without content waited for the close")
        }
        if reusable {
            fuzzCheck(completedBeforeEnd, "reusable after a close-delimited body")
            let connection = head.headers.values(named: "Connection").joined(separator: ",")
            fuzzCheck(
                !connection.utf8.split(separator: UInt8(ascii: ",")).contains {
                    ByteClass.equalsIgnoringASCIICase(ByteClass.trimmingOWS(ArraySlice($0)), "close")
                }, "reusable with Connection: close")
        }
        if !requestWasHead, completedBeforeEnd, head.status != 204, head.status != 304,
            let length = head.headers.first(named: "Content-Length")
        {
            let first = length.split(separator: ",").first.map { $0.trimmingOWS() } ?? ""
            fuzzCheck(Int(first) == response.body.count, "body length differs from Content-Length \(length)")
        }
    }
}
