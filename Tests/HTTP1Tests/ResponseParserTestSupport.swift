import HTTP1

/// Everything the response parser produced from some input, and how it stopped.
struct ResponseOutcome: Equatable {
    var events: [HTTPResponseParserEvent] = []
    /// The error `next()` or `inputEnded()` threw, or `nil`.
    var error: HTTPResponseParseError?
    /// `connectionReusable` at the end.
    var reusable = false

    var response: HTTPParsedResponse? {
        events.lazy.compactMap { if case .complete(let r) = $0 { r } else { nil } }.first
    }

    var interims: [HTTPResponseHead] {
        events.compactMap { if case .interim(let h) = $0 { h } else { nil } }
    }
}

/// How the input is handed to the parser.
enum Feeding {
    case whole
    case bytewise
    /// In two `append` calls, the first with this many bytes.
    case split(Int)
}

/// Feeds `input`, draining `next()` after each `append`; with `endInput`, then calls
/// `inputEnded()` and records its response as a `.complete` event if none came before.
func parseResponse(
    _ input: [UInt8], limits: HTTPResponseLimits = HTTPResponseLimits(), requestWasHead: Bool = false,
    feeding: Feeding = .whole, endInput: Bool = false
) -> ResponseOutcome {
    var parser = HTTPResponseParser(limits: limits, requestWasHead: requestWasHead)
    var outcome = ResponseOutcome()
    let pieces: [ArraySlice<UInt8>] =
        switch feeding {
        case .whole: [input[...]]
        case .bytewise: input.indices.map { input[$0...$0] }
        case .split(let at): [input[..<at], input[at...]]
        }
    do {
        for piece in pieces {
            parser.append(piece)
            while let event = try parser.next() { outcome.events.append(event) }
        }
        if endInput {
            let response = try parser.inputEnded()
            if outcome.response == nil { outcome.events.append(.complete(response)) }
        }
    } catch {
        outcome.error = error
    }
    outcome.reusable = parser.connectionReusable
    return outcome
}
