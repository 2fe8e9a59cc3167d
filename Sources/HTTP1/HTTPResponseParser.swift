/// An incremental, strict HTTP/1.1 response parser (RFC 9112) over bytes, for reading
/// one upstream answer.
///
/// Feed bytes with `append(_:)`, then call `next()` until it returns `nil` (more bytes
/// needed). Informational responses come as `.interim`, the final one as `.complete`;
/// when the peer closes, `inputEnded()` completes a close-delimited body or reports the
/// truncation. After an error the parser stays failed: the connection must be closed.
public struct HTTPResponseParser: Sendable {
    public let limits: HTTPResponseLimits
    /// A response to HEAD has no content, whatever its framing fields say (RFC 9112 §6.3).
    public let requestWasHead: Bool

    /// Whether any byte of a response has been received (retry safety: the client retries
    /// only when this is false).
    public private(set) var hasReceivedBytes = false
    /// 1xx responses seen so far, bounded by `limits.maxInterimResponses`.
    private var interimCount = 0

    private var input = ByteInput()
    private var state = State.statusLine
    /// Bytes of the current status line and header section, or of the trailer section.
    private var sectionBytes = 0
    private var head = HTTPResponseHead(status: 0, reason: "")
    private var body: [UInt8] = []
    private var trailerCount = 0
    private var closeDelimited = false

    private enum State: Sendable {
        case statusLine
        case headerLine
        case fixedBody(remaining: Int)
        case closeDelimitedBody
        case chunkSizeLine
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailerLine
        case bodyComplete
        /// `.complete` was returned: nothing more is parsed.
        case done(HTTPParsedResponse)
        case failed(HTTPResponseParseError)
    }

    /// The longest chunk-size line (size and extensions) accepted.
    static let maxChunkSizeLineBytes = 1024

    public init(limits: HTTPResponseLimits = HTTPResponseLimits(), requestWasHead: Bool = false) {
        self.limits = limits
        self.requestWasHead = requestWasHead
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if !bytes.isEmpty { hasReceivedBytes = true }
        input.append(bytes)
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        let before = input.count
        input.append(bytes)
        if input.count > before { hasReceivedBytes = true }
    }

    /// The next event, `nil` when more bytes are needed. After `.complete`, further calls
    /// return `nil`.
    public mutating func next() throws(HTTPResponseParseError) -> HTTPResponseParserEvent? {
        do {
            return try step()
        } catch {
            state = .failed(error)
            throw error
        }
    }

    /// The peer closed. Completes a close-delimited body; throws `.truncated` when a
    /// message was started but is incomplete, `.noResponse` when no byte arrived at all.
    /// Informational responses still buffered are passed over. After `.complete`, returns
    /// that response again.
    public mutating func inputEnded() throws(HTTPResponseParseError) -> HTTPParsedResponse {
        guard hasReceivedBytes else {
            state = .failed(.noResponse)
            throw .noResponse
        }
        while let event = try next() {
            if case .complete(let response) = event { return response }
        }
        switch state {
        case .done(let response):
            return response
        case .closeDelimitedBody:
            // RFC 9112 §6.3 (8): the close ends a body without declared length.
            let response = HTTPParsedResponse(head: head, body: body)
            body = []
            state = .done(response)
            return response
        default:
            state = .failed(.truncated)
            throw .truncated
        }
    }

    /// After `.complete`: whether the connection may carry another request (RFC 9112 §9.3):
    /// HTTP/1.1 without `Connection: close`, HTTP/1.0 only with `keep-alive`; never after a
    /// close-delimited body or with stray bytes buffered after the message.
    public var connectionReusable: Bool {
        guard case .done(let response) = state, !closeDelimited, input.count == 0 else { return false }
        let options = ByteClass.listElements(response.head.headers.values(named: "Connection"))
        if options.contains(where: { ByteClass.equalsIgnoringASCIICase($0, "close") }) { return false }
        if response.head.versionMinor == 1 { return true }
        return options.contains { ByteClass.equalsIgnoringASCIICase($0, "keep-alive") }
    }

    private mutating func step() throws(HTTPResponseParseError) -> HTTPResponseParserEvent? {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .done:
                return nil
            case .statusLine:
                guard let line = try nextSectionLine() else { return nil }
                head = try Self.parseStatusLine(line)
                state = .headerLine
            case .headerLine:
                guard let line = try nextSectionLine() else { return nil }
                guard line.isEmpty else {
                    guard head.headers.count < limits.maxHeaderCount else { throw .tooManyHeaders }
                    head.headers.append(try Self.parseField(line))
                    continue
                }
                let framing = try framing()
                // RFC 9110 §15.2: a 1xx response is followed by the final response.
                if head.status < 200 {
                    interimCount += 1
                    guard interimCount <= limits.maxInterimResponses else { throw .tooManyInterimResponses }
                    let interim = head
                    sectionBytes = 0
                    head = HTTPResponseHead(status: 0, reason: "")
                    state = .statusLine
                    return .interim(interim)
                }
                closeDelimited = if case .closeDelimitedBody = framing { true } else { false }
                state = framing
            case .fixedBody(let remaining):
                let missing = consumeBody(remaining)
                guard missing == 0 else {
                    state = .fixedBody(remaining: missing)
                    return nil
                }
                state = .bodyComplete
            case .closeDelimitedBody:
                guard input.count <= limits.maxBodyBytes - body.count else { throw .bodyTooLarge }
                body.append(contentsOf: input.take(upTo: input.count))
                return nil
            case .chunkSizeLine:
                let line: ArraySlice<UInt8>?
                do throws(ByteInput.LineError) {
                    line = try input.nextLine(limit: Self.maxChunkSizeLineBytes)
                } catch {
                    throw error == .tooLong ? .invalidChunkSize : .bareLineFeedOrCarriageReturn
                }
                guard let line else { return nil }
                let size = try Self.parseChunkSize(line)
                if size == 0 {
                    sectionBytes = 0
                    state = .trailerLine
                } else {
                    guard size <= limits.maxBodyBytes - body.count else { throw .bodyTooLarge }
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let missing = consumeBody(remaining)
                guard missing == 0 else {
                    state = .chunkData(remaining: missing)
                    return nil
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                // RFC 9112 §7.1: chunk-data is followed by exactly CRLF.
                guard let consumed = input.consumeCRLF() else { throw .missingChunkDataCRLF }
                guard consumed else { return nil }
                state = .chunkSizeLine
            case .trailerLine:
                // RFC 9112 §7.1.2: trailer fields are parsed like header fields and then discarded.
                guard let line = try nextSectionLine() else { return nil }
                if line.isEmpty {
                    state = .bodyComplete
                    continue
                }
                trailerCount += 1
                guard trailerCount <= limits.maxHeaderCount else { throw .tooManyHeaders }
                _ = try Self.parseField(line)
            case .bodyComplete:
                let response = HTTPParsedResponse(head: head, body: body)
                body = []
                state = .done(response)
                return .complete(response)
            }
        }
    }

    /// The next line of the header (or trailer) section; the section is bounded by
    /// `maxHeaderBytes`. RFC 9112 §2.2: a bare CR or LF is an error, never a line end.
    private mutating func nextSectionLine() throws(HTTPResponseParseError) -> ArraySlice<UInt8>? {
        do throws(ByteInput.LineError) {
            guard let line = try input.nextLine(limit: limits.maxHeaderBytes - sectionBytes) else {
                return nil
            }
            sectionBytes += line.count + 2
            return line
        } catch {
            throw error == .tooLong ? .headerTooLarge : .bareLineFeedOrCarriageReturn
        }
    }

    /// How the body of the current head is framed (RFC 9112 §6.3). The framing fields are
    /// checked even when the response has no content.
    private func framing() throws(HTTPResponseParseError) -> State {
        let lengths = head.headers.values(named: "Content-Length")
        let codings = head.headers.values(named: "Transfer-Encoding")
        if !codings.isEmpty {
            // RFC 9112 §6.3 (3): Transfer-Encoding with Content-Length is a smuggling vector.
            guard lengths.isEmpty else { throw .contentLengthWithTransferEncoding }
            // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty.
            guard head.versionMinor == 1 else { throw .transferEncodingInHTTP10 }
            // RFC 9112 §6.3 (4): only chunked, alone, gives this client a known end.
            guard case .chunkedOnly = MessageSyntax.TransferCoding(codings) else {
                throw .unsupportedTransferEncoding
            }
        }
        let length = try Self.contentLength(lengths)
        // RFC 9112 §6.3 (1): no content after HEAD, nor in 1xx, 204 and 304 responses.
        if requestWasHead || head.status < 200 || head.status == 204 || head.status == 304 {
            return .bodyComplete
        }
        if !codings.isEmpty { return .chunkSizeLine }
        if let length {
            // The limit is enforced before any body byte arrives.
            guard length <= limits.maxBodyBytes else { throw .bodyTooLarge }
            return length == 0 ? .bodyComplete : .fixedBody(remaining: length)
        }
        // RFC 9112 §6.3 (8): otherwise the body lasts until the connection closes.
        return .closeDelimitedBody
    }

    /// Moves up to `remaining` buffered bytes into the body; returns how many are still missing.
    private mutating func consumeBody(_ remaining: Int) -> Int {
        let taken = input.take(upTo: remaining)
        body.append(contentsOf: taken)
        return remaining - taken.count
    }
}
