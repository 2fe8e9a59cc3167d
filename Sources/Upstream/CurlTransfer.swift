import CCurl
import HTTP1
import Foundation

/// One request from `send` until its continuation is resumed. After submission it is
/// touched only by the worker thread (including from libcurl's callbacks).
final class CurlTransfer: @unchecked Sendable {
    let request: UpstreamRequest
    let continuation: CheckedContinuation<Result<UpstreamResponse, UpstreamError>, Never>
    let maxResponseBytes: Int

    var easy: CurlEasy?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var attempts = 0
    /// The end of the whole exchange, retries included (set by the first attempt).
    var deadline: ContinuousClock.Instant?

    // Per attempt.
    var responseHeaders: [HTTPHeader] = []
    var headerBlockComplete = false
    var body: [UInt8] = []
    var receivedResponseBytes = false
    var exceededMaxResponseBytes = false

    init(
        request: UpstreamRequest,
        continuation: CheckedContinuation<Result<UpstreamResponse, UpstreamError>, Never>,
        maxResponseBytes: Int
    ) {
        self.request = request
        self.continuation = continuation
        self.maxResponseBytes = maxResponseBytes
    }

    func resetForAttempt() {
        responseHeaders = []
        headerBlockComplete = false
        body = []
        receivedResponseBytes = false
        exceededMaxResponseBytes = false
    }

    /// Body bytes from CURLOPT_WRITEFUNCTION. Returns false to abort the transfer.
    func appendBody(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        receivedResponseBytes = true
        if bytes.count > maxResponseBytes - body.count {
            exceededMaxResponseBytes = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// One complete header line from CURLOPT_HEADERFUNCTION, CRLF included.
    func appendHeaderLine(_ raw: UnsafeBufferPointer<UInt8>) {
        receivedResponseBytes = true
        var line = raw[...]
        if line.last == 0x0A { line = line.dropLast() }
        if line.last == 0x0D { line = line.dropLast() }

        if line.starts(with: "HTTP/".utf8) {
            // A new status line: an interim 1xx block (if any) is over; keep only the last block.
            responseHeaders = []
            headerBlockComplete = false
            return
        }
        if line.isEmpty {
            headerBlockComplete = true
            return
        }
        if headerBlockComplete {
            // Trailer fields after a chunked body are not response headers.
            return
        }
        if let first = line.first, first == 0x20 || first == 0x09 {
            // obs-fold continuation (RFC 9112 §5.2): join to the previous value with one space.
            guard !responseHeaders.isEmpty else { return }
            let continuation = trimOWS(line)
            if !continuation.isEmpty {
                responseHeaders[responseHeaders.count - 1].value += " " + String(decoding: continuation, as: UTF8.self)
            }
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = line[..<colon]
        let value = trimOWS(line[(colon + 1)...])
        responseHeaders.append(HTTPHeader(
            name: String(decoding: name, as: UTF8.self),
            value: String(decoding: value, as: UTF8.self)
        ))
    }

    private func trimOWS(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Slice<UnsafeBufferPointer<UInt8>> {
        var slice = bytes
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return slice
    }
}

/// An easy handle and its error buffer, reused across transfers.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    let errorBuffer: UnsafeMutablePointer<CChar>

    init?() {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    func clearError() {
        errorBuffer[0] = 0
    }

    var errorMessage: String {
        String(cString: errorBuffer)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }
}

// libcurl callbacks: plain functions, the transfer comes in through the user pointer.

func curlWriteCallback(
    _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?
) -> Int {
    deliver(buffer, size * count, userdata) { $0.appendBody($1) }
}

func curlHeaderCallback(
    _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?
) -> Int {
    deliver(buffer, size * count, userdata) { transfer, bytes in
        transfer.appendHeaderLine(bytes)
        return true
    }
}

/// Hands libcurl's bytes to the transfer; returning fewer than `length` makes libcurl abort.
private func deliver(
    _ buffer: UnsafeMutablePointer<CChar>?, _ length: Int, _ userdata: UnsafeMutableRawPointer?,
    _ accept: (CurlTransfer, UnsafeBufferPointer<UInt8>) -> Bool
) -> Int {
    guard let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    guard length > 0, let buffer else { return length }
    let accepted = UnsafeRawPointer(buffer).withMemoryRebound(to: UInt8.self, capacity: length) {
        accept(transfer, UnsafeBufferPointer(start: $0, count: length))
    }
    return accepted ? length : 0
}

/// With `verbose`: only libcurl's own informational text, never header or data traffic.
func curlDebugCallback(
    _ handle: UnsafeMutableRawPointer?, _ type: curl_infotype, _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int, _ userptr: UnsafeMutableRawPointer?
) -> Int32 {
    guard type == CURLINFO_TEXT, let data, size > 0 else { return 0 }
    let text = UnsafeRawPointer(data).withMemoryRebound(to: UInt8.self, capacity: size) {
        Data(UnsafeBufferPointer(start: $0, count: size))
    }
    FileHandle.standardError.write(Data("upstream-curl: ".utf8) + text)
    return 0
}
