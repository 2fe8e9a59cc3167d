/// What the parser produced from the bytes so far.
public enum HTTPParserEvent: Sendable, Equatable {
    /// The header section is complete and its framing is valid; the body follows.
    /// A server may answer `100 Continue` now (RFC 9110 §10.1.1).
    case head(HTTPRequestHead)
    /// The whole request, body included.
    case request(HTTPRequest)
}

/// An incremental, strict HTTP/1.1 request parser (RFC 9112) over bytes.
///
/// Feed bytes with `append(_:)`, then call `next()` until it returns `nil` (more bytes
/// needed). Each request yields `.head` and then `.request`. Requests that follow in the
/// buffer (pipelining) are parsed by further `next()` calls. After an error the parser
/// stays failed: the connection must be closed.
public struct HTTPRequestParser: Sendable {
    public let limits: HTTPParserLimits

    private var input = ByteInput()
    private var state = State.requestLine
    private var headBytes = 0
    private var leadingEmptyLines = 0
    private var method = ""
    private var target = ""
    private var versionMinor = 1
    private var headers: [HTTPHeader] = []
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var trailerCount = 0

    private enum State: Sendable {
        case requestLine
        case headerLine
        case fixedBody(remaining: Int)
        case chunkSizeLine
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailerLine
        case complete
        /// After a request that ends the connection: nothing more is parsed.
        case closed
        case failed(HTTPParseError)
    }

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// Bytes received but not yet consumed by a complete request.
    public var bufferedByteCount: Int { input.count }

    /// Bytes of memory the body of the request being read needs: the declared length of a
    /// fixed-length body (its room is allocated when the head is parsed), the storage of a
    /// chunked body decoded so far, 0 otherwise. A server reserves this from its budget.
    public var bodyMemoryNeeded: Int {
        switch state {
        case .fixedBody(let length): length
        case .chunkSizeLine, .chunkData, .chunkDataEnd, .trailerLine: body.capacity
        default: 0
        }
    }

    /// Bytes of storage the input buffer holds, for tests.
    public var inputCapacity: Int { input.capacity }

    /// True between requests with nothing buffered: a clean point to close an idle connection.
    public var isAtMessageBoundary: Bool {
        switch state {
        case .requestLine: headBytes == 0 && bufferedByteCount == 0
        case .closed: bufferedByteCount == 0
        default: false
        }
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        input.append(bytes)
    }

    /// The same for bytes in a socket's read buffer, without generic iteration.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        input.append(bytes)
    }

    /// The next event, or `nil` when more bytes are needed.
    public mutating func next() throws(HTTPParseError) -> HTTPParserEvent? {
        do {
            return try step()
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private mutating func step() throws(HTTPParseError) -> HTTPParserEvent? {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .complete:
                let request = HTTPRequest(head: head!, body: body)
                resetForNextMessage()
                // RFC 9112 §9.6: after a request with "close" (or HTTP/1.0 without keep-alive,
                // §9.3) the server MUST NOT process further requests on the connection.
                if !request.head.keepAlive { state = .closed }
                return .request(request)
            case .closed:
                guard bufferedByteCount == 0 else { throw .dataAfterConnectionClose }
                return nil
            case .requestLine:
                guard let line = try nextLine(limit: limits.maxHeaderBytes - headBytes, overLimit: .headerTooLarge) else { return nil }
                if line.isEmpty {
                    // RFC 9112 §2.2: ignore at least one empty line before the request-line.
                    headBytes = 0
                    leadingEmptyLines += 1
                    if leadingEmptyLines > limits.maxLeadingEmptyLines { throw .invalidRequestLine }
                    continue
                }
                try parseRequestLine(line)
                state = .headerLine
            case .headerLine:
                guard let line = try nextLine(limit: limits.maxHeaderBytes - headBytes, overLimit: .headerTooLarge) else { return nil }
                if line.isEmpty {
                    let completed = HTTPRequestHead(
                        method: method, target: target, versionMajor: 1, versionMinor: versionMinor, headers: headers)
                    state = try framing(of: completed)
                    head = completed
                    if case .fixedBody(let length) = state { input.reserve(forMore: length) }
                    return .head(completed)
                }
                if headers.count >= limits.maxHeaderCount { throw .tooManyHeaders }
                headers.append(try parseField(line))
            case .fixedBody(let length):
                // The body stays in the input until all of it is there, then moves out whole.
                guard input.count >= length else { return nil }
                body = input.takeArray(length)
                state = .complete
            case .chunkSizeLine:
                guard let line = try nextLine(limit: 1024, overLimit: .invalidChunk) else { return nil }
                let size = try parseChunkSize(line)
                if size == 0 {
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
                guard let consumed = input.consumeCRLF() else { throw .invalidChunk }
                guard consumed else { return nil }
                state = .chunkSizeLine
            case .trailerLine:
                // RFC 9112 §7.1.2: trailer fields are parsed like header fields and then discarded.
                guard let line = try nextLine(limit: limits.maxHeaderBytes, overLimit: .headerTooLarge) else { return nil }
                if line.isEmpty {
                    state = .complete
                    continue
                }
                trailerCount += 1
                if trailerCount > limits.maxHeaderCount { throw .tooManyHeaders }
                _ = try parseField(line)
            }
        }
    }

    private mutating func resetForNextMessage() {
        state = .requestLine
        headBytes = 0
        leadingEmptyLines = 0
        method = ""
        target = ""
        versionMinor = 1
        headers = []
        head = nil
        body = []
        trailerCount = 0
        input.releaseStorageIfEmpty()
    }

    /// Drops everything buffered and stops parsing (the connection is being refused).
    public mutating func discardInput() {
        input = ByteInput()
        body = []
        state = .closed
    }

    /// Moves up to `remaining` buffered bytes into the body; returns how many are still missing.
    private mutating func consumeBody(_ remaining: Int) -> Int {
        let taken = input.take(upTo: remaining)
        body.append(contentsOf: taken)
        return remaining - taken.count
    }

    /// The next CRLF-terminated line without its CRLF, counted into `headBytes`.
    private mutating func nextLine(limit: Int, overLimit: HTTPParseError) throws(HTTPParseError) -> ArraySlice<UInt8>? {
        do throws(ByteInput.LineError) {
            guard let line = try input.nextLine(limit: limit) else { return nil }
            headBytes += line.count + 2
            return line
        } catch {
            throw error == .tooLong ? overLimit : .bareLineFeedOrCarriageReturn
        }
    }

    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
    private mutating func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) {
        let parts = line.split(separator: ByteClass.space, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .invalidRequestLine }
        let (methodBytes, targetBytes, versionBytes) = (parts[0], parts[1], parts[2])
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(ByteClass.isTokenChar) else { throw .invalidMethod }
        guard !targetBytes.isEmpty, targetBytes.allSatisfy(ByteClass.isTargetChar) else { throw .invalidTarget }
        versionMinor = try parseVersion(versionBytes)
        // RFC 9112 §3.1 / RFC 9110 §9.1: a method this server does not implement gets 501.
        // CONNECT is excluded: its request has no content and the bytes after it are a
        // tunnel, not HTTP (RFC 9110 §9.3.6), which this parser cannot frame.
        guard HTTPRequestParser.implementedMethods.contains(where: { methodBytes.elementsEqual($0.utf8) }) else {
            throw .methodNotImplemented
        }
        method = String(decoding: methodBytes, as: UTF8.self)
        target = String(decoding: targetBytes, as: UTF8.self)
    }

    /// The methods of RFC 9110 §9.3 (except CONNECT) and PATCH (RFC 5789); case-sensitive.
    static let implementedMethods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"]

    /// HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3); only 1.0 and 1.1 are served.
    private func parseVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        let chars = Array(bytes)
        guard chars.count == 8, chars[0..<5].elementsEqual("HTTP/".utf8), chars[6] == UInt8(ascii: "."),
            let major = ByteClass.decimalValue(chars[5]), let minor = ByteClass.decimalValue(chars[7])
        else { throw .invalidRequestLine }
        guard major == 1, minor <= 1 else { throw .unsupportedVersion }
        return minor
    }

    /// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5)
    private func parseField(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPHeader {
        do throws(MessageSyntax.Error) {
            return try MessageSyntax.parseFieldLine(line)
        } catch {
            switch error {
            case .obsoleteLineFolding: throw .obsoleteLineFolding
            case .invalidFieldName: throw .invalidHeaderName
            default: throw .invalidHeaderValue
            }
        }
    }

    /// Decides how the body is framed (RFC 9112 §6.3) and enforces the body limit early.
    private func framing(of head: HTTPRequestHead) throws(HTTPParseError) -> State {
        let lengths = head.headers.values(named: "Content-Length")
        let codings = head.headers.values(named: "Transfer-Encoding")
        if !codings.isEmpty {
            // RFC 9112 §6.1: Transfer-Encoding with Content-Length is a smuggling vector; reject.
            guard lengths.isEmpty else { throw .contentLengthWithTransferEncoding }
            // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty.
            guard head.versionMinor == 1 else { throw .unsupportedTransferEncoding }
            switch MessageSyntax.TransferCoding(codings) {
            case .chunkedOnly: return .chunkSizeLine
            // RFC 9112 §6.3: chunked must be the final coding, else the length is unknowable: 400.
            case .chunkedNotFinal: throw .invalidChunk
            case .chunkedAfterOthers: throw .unsupportedTransferEncoding
            }
        }
        guard let lengthValue = lengths.first else { return .complete }
        guard lengths.count == 1 else { throw .duplicateContentLength }
        // Content-Length = 1*DIGIT (RFC 9110 §8.6)
        guard let length = ByteClass.decimalNumber(lengthValue.utf8) else { throw .invalidContentLength }
        guard length <= limits.maxBodyBytes else { throw .bodyTooLarge }
        return length == 0 ? .complete : .fixedBody(remaining: length)
    }

    /// chunk-size [ chunk-ext ] (RFC 9112 §7.1, §7.1.1); extensions are validated and ignored.
    private func parseChunkSize(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        do throws(MessageSyntax.Error) {
            return try MessageSyntax.parseChunkSizeLine(line)
        } catch {
            throw error == .chunkSizeOverflow ? .bodyTooLarge : .invalidChunk
        }
    }
}
