import HTTP1

/// The UTF-8 bytes of a string literal whose line breaks are written out as `\r\n`.
func bytes(_ string: String) -> [UInt8] { Array(string.utf8) }

/// Everything a parser produced from some input, and how it stopped.
struct ParseOutcome: Equatable {
    var events: [HTTPParserEvent] = []
    /// The error `next()` threw, or `nil` if the parser ended up waiting for more bytes.
    var error: HTTPParseError?

    var requests: [HTTPRequest] {
        events.compactMap { if case .request(let r) = $0 { r } else { nil } }
    }

    var heads: [HTTPRequestHead] {
        events.compactMap { if case .head(let h) = $0 { h } else { nil } }
    }
}

/// Calls `next()` until it returns `nil` or throws.
func drain(_ parser: inout HTTPRequestParser, into outcome: inout ParseOutcome) {
    do {
        while let event = try parser.next() { outcome.events.append(event) }
    } catch {
        outcome.error = error
    }
}

/// Feeds `input` in one `append`, then drains the parser.
func parseWhole(_ input: [UInt8], limits: HTTPParserLimits = HTTPParserLimits()) -> ParseOutcome {
    var parser = HTTPRequestParser(limits: limits)
    var outcome = ParseOutcome()
    parser.append(input)
    drain(&parser, into: &outcome)
    return outcome
}

/// Feeds `input` one byte per `append`, draining after each byte; stops at the first error.
func parseBytewise(_ input: [UInt8], limits: HTTPParserLimits = HTTPParserLimits()) -> ParseOutcome {
    var parser = HTTPRequestParser(limits: limits)
    var outcome = ParseOutcome()
    for byte in input where outcome.error == nil {
        parser.append(CollectionOfOne(byte))
        drain(&parser, into: &outcome)
    }
    return outcome
}
