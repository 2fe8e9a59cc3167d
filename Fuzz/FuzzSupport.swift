// Compiled into module HTTP1 together with one fuzz target (see scripts/fuzz.sh): the
// targets reach the parsers' internals, and nothing here is part of the library build.

/// Traps when an invariant does not hold, so that libFuzzer records the input.
func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz invariant violated: \(message())") }
}

/// A point in `0...bytes.count` derived from the bytes (FNV-1a with a seed), so that each
/// input is split somewhere else and libFuzzer can steer where.
func derivedSplitPoint(_ bytes: [UInt8], seed: UInt64 = 0) -> Int {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    return Int(hash % UInt64(bytes.count + 1))
}

/// The input as libFuzzer hands it over.
func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// How an input is handed to a parser: the pieces of successive `append` calls.
func pieces(of input: [UInt8], splitAt split: Int?) -> [ArraySlice<UInt8>] {
    guard let split else { return [input[...]] }
    return [input[..<split], input[split...]]
}

/// One `append` per byte.
func bytewisePieces(of input: [UInt8]) -> [ArraySlice<UInt8>] {
    input.indices.map { input[$0...$0] }
}

/// Everything a request parser produced from some input.
struct RequestRun: Equatable {
    var events: [HTTPParserEvent] = []
    var error: HTTPParseError?

    init(_ pieces: [ArraySlice<UInt8>], limits: HTTPParserLimits) {
        var parser = HTTPRequestParser(limits: limits)
        do {
            for piece in pieces {
                parser.append(piece)
                while let event = try parser.next() { events.append(event) }
            }
        } catch {
            self.error = error
        }
    }

    var requests: [HTTPRequest] {
        events.compactMap { if case .request(let r) = $0 { r } else { nil } }
    }

    /// Checks what must hold for any input.
    func checkInvariants(limits: HTTPParserLimits) {
        var pendingHead: HTTPRequestHead?
        for event in events {
            switch event {
            case .head(let head):
                fuzzCheck(pendingHead == nil, "two heads without a request between them")
                fuzzCheck(head.headers.count <= limits.maxHeaderCount, "more header fields than maxHeaderCount")
                pendingHead = head
            case .request(let request):
                fuzzCheck(pendingHead == request.head, "request without its head event")
                fuzzCheck(request.body.count <= limits.maxBodyBytes, "body over maxBodyBytes")
                if let length = request.head.headers.first(named: "Content-Length") {
                    fuzzCheck(Int(length) == request.body.count, "body length differs from Content-Length")
                }
                pendingHead = nil
            }
        }
    }
}
