import CCurl
import Synchronization

/// Owns the multi handle. `run()` is the body of the one worker thread; everything
/// except `submit`, `shutdown`, `waitUntilStopped` and `outstanding` runs on it.
final class CurlWorker: @unchecked Sendable {
    private struct Shared {
        /// FIFO of transfers not yet handed to libcurl.
        var pending: [CurlTransfer] = []
        var pendingHead = 0
        /// Transfers handed to libcurl and not yet completed (retries included).
        var active = 0
        var shuttingDown = false
        var stopped = false
        var stopWaiters: [CheckedContinuation<Void, Never>] = []

        var pendingCount: Int { pending.count - pendingHead }
    }

    private let configuration: CurlUpstreamClient.Configuration
    private let multi: UnsafeMutableRawPointer
    private let shared = Mutex(Shared())
    let attemptCounter = Atomic<Int>(0)

    // Worker thread only.
    private var running: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var freeHandles: [CurlEasy] = []

    init(configuration: CurlUpstreamClient.Configuration) throws {
        guard let multi = curl_multi_init() else { throw CurlClientSetupError.curl("curl_multi_init failed") }
        self.configuration = configuration
        self.multi = multi
        let limit = configuration.maxConcurrentTransfers
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, limit)
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, limit)
    }

    var outstanding: Int {
        shared.withLock { $0.active + $0.pendingCount }
    }

    var queued: Int {
        shared.withLock { $0.pendingCount }
    }

    func submit(_ transfer: CurlTransfer) {
        enum Admission { case queued, overloaded, shutDown }
        let limit = configuration.maxConcurrentTransfers + configuration.maxQueuedTransfers
        let multi = self.multi
        let admission = shared.withLock { state -> Admission in
            if state.shuttingDown { return .shutDown }
            if state.active + state.pendingCount >= limit { return .overloaded }
            state.pending.append(transfer)
            // Under the lock: the worker cannot have exited and freed the multi handle.
            _ = curl_multi_wakeup(multi)
            return .queued
        }
        switch admission {
        case .queued:
            break
        case .overloaded:
            transfer.continuation.resume(returning: .failure(.overloaded))
        case .shutDown:
            transfer.continuation.resume(returning: .failure(.unreachable("upstream client is shut down")))
        }
    }

    func shutdown() {
        let multi = self.multi
        shared.withLock { state in
            guard !state.shuttingDown else { return }
            state.shuttingDown = true
            if !state.stopped { _ = curl_multi_wakeup(multi) }
        }
    }

    func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = shared.withLock { state -> Bool in
                if state.stopped { return true }
                state.stopWaiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    // MARK: - Worker thread

    func run() {
        let maxRunning = configuration.maxConcurrentTransfers
        var stillRunning: Int32 = 0
        while true {
            let (batch, exit) = shared.withLock { state -> ([CurlTransfer], Bool) in
                let free = max(0, maxRunning - state.active)
                let count = min(free, state.pendingCount)
                let batch = Array(state.pending[state.pendingHead..<(state.pendingHead + count)])
                state.pendingHead += count
                if state.pendingHead > 64 && state.pendingHead * 2 > state.pending.count {
                    state.pending.removeFirst(state.pendingHead)
                    state.pendingHead = 0
                }
                state.active += count
                let exit = state.shuttingDown && state.active == 0 && state.pendingCount == 0
                if exit { state.stopped = true }
                return (batch, exit)
            }
            if exit { break }
            for transfer in batch { start(transfer) }

            _ = curl_multi_perform(multi, &stillRunning)
            if drainCompletions() {
                // Slots freed or retries added: admit and perform again before sleeping.
                continue
            }
            _ = curl_multi_poll(multi, nil, 0, 1000, nil)
        }

        freeHandles.removeAll()
        curl_multi_cleanup(multi)
        let waiters = shared.withLock { state in
            defer { state.stopWaiters = [] }
            return state.stopWaiters
        }
        waiters.forEach { $0.resume() }
    }

    private func start(_ transfer: CurlTransfer) {
        guard let easy = freeHandles.popLast() ?? CurlEasy() else {
            finish(transfer, .failure(.unreachable("curl_easy_init failed")))
            return
        }
        transfer.easy = easy
        if let problem = configure(easy, for: transfer) {
            finish(transfer, .failure(.unreachable("curl setup failed: \(problem)")))
            return
        }
        attempt(transfer)
    }

    private func attempt(_ transfer: CurlTransfer) {
        guard let easy = transfer.easy else { return }
        transfer.resetForAttempt()
        // totalTimeout bounds the whole exchange: a retry only gets what is left of it.
        let now = ContinuousClock.now
        let deadline = transfer.deadline ?? now + .milliseconds(Self.milliseconds(configuration.totalTimeout))
        transfer.deadline = deadline
        let remaining = Int((deadline - now) / .milliseconds(1))
        guard remaining > 0 else {
            finish(transfer, .failure(.timedOut("no time left for another attempt")))
            return
        }
        _ = ccurl_easy_setopt_long(easy.handle, CURLOPT_TIMEOUT_MS, remaining)
        transfer.attempts += 1
        attemptCounter.add(1, ordering: .relaxed)
        easy.clearError()
        let code = curl_multi_add_handle(multi, easy.handle)
        guard code == CURLM_OK else {
            finish(transfer, .failure(.unreachable("curl_multi_add_handle: \(String(cString: curl_multi_strerror(code)))")))
            return
        }
        running[easy.handle] = transfer
    }

    /// Returns true when at least one transfer completed.
    private func drainCompletions() -> Bool {
        var any = false
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            let result = ccurl_msg_result(UnsafePointer(message))
            // The message is invalid after remove_handle; read everything first.
            curl_multi_remove_handle(multi, handle)
            guard let transfer = running.removeValue(forKey: handle) else { continue }
            any = true
            complete(transfer, result)
        }
        return any
    }

    private func complete(_ transfer: CurlTransfer, _ result: CURLcode) {
        guard let easy = transfer.easy else { return }
        if result == CURLE_OK {
            var status = 0
            _ = ccurl_easy_getinfo_long(easy.handle, CURLINFO_RESPONSE_CODE, &status)
            let response = UpstreamResponse(
                status: status,
                headers: transfer.responseHeaders,
                body: transfer.body,
                attempts: transfer.attempts
            )
            finish(transfer, .success(response))
            return
        }

        let detail = easy.errorMessage.isEmpty ? String(cString: curl_easy_strerror(result)) : easy.errorMessage
        let error: UpstreamError
        switch result {
        case CURLE_OPERATION_TIMEDOUT:
            error = .timedOut(detail)
        case _ where transfer.exceededMaxResponseBytes, CURLE_FILESIZE_EXCEEDED:
            error = .brokenResponse("response body exceeds \(transfer.maxResponseBytes) bytes")
        case _ where transfer.receivedResponseBytes:
            error = .brokenResponse(detail)
        case CURLE_COULDNT_CONNECT, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING:
            // No complete response line arrived: send the identical request again.
            // Limits of what libcurl lets us see: a response cut off inside its very
            // first line (no LF yet) is buffered invisibly and looks like "no byte";
            // and libcurl itself silently re-sends once when a *reused* connection
            // dies before any response byte ("Connection died, retrying a fresh
            // connect"), which `attempts` does not count.
            if transfer.attempts <= configuration.retriesBeforeResponse {
                attempt(transfer)
                return
            }
            error = .unreachable(detail)
        case CURLE_PARTIAL_FILE, CURLE_WEIRD_SERVER_REPLY, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_CONTENT_ENCODING,
             CURLE_WRITE_ERROR, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_HTTP3, CURLE_TOO_MANY_REDIRECTS,
             CURLE_HTTP_RETURNED_ERROR, CURLE_RANGE_ERROR, CURLE_BAD_DOWNLOAD_RESUME:
            // Response bytes arrived that libcurl could not use (a request URL scheme
            // other than http/https is rejected before libcurl sees it).
            error = .brokenResponse(detail)
        default:
            error = .unreachable(detail)
        }
        finish(transfer, .failure(error))
    }

    private func finish(_ transfer: CurlTransfer, _ result: Result<UpstreamResponse, UpstreamError>) {
        if let easy = transfer.easy {
            curl_easy_reset(easy.handle)
            if freeHandles.count < configuration.maxConcurrentTransfers { freeHandles.append(easy) }
            transfer.easy = nil
        }
        if let list = transfer.headerList {
            curl_slist_free_all(list)
            transfer.headerList = nil
        }
        shared.withLock { $0.active -= 1 }
        transfer.continuation.resume(returning: result)
    }

    // MARK: - Options

    /// Returns a description of the first option libcurl refused, or nil.
    private func configure(_ easy: CurlEasy, for transfer: CurlTransfer) -> String? {
        let handle = easy.handle
        let request = transfer.request
        let config = configuration
        var failure: String?
        func check(_ code: CURLcode, _ what: String) {
            if code != CURLE_OK && failure == nil {
                failure = "\(what): \(String(cString: curl_easy_strerror(code)))"
            }
        }
        func long(_ option: CURLoption, _ value: Int, _ what: String) {
            check(ccurl_easy_setopt_long(handle, option, value), what)
        }
        func string(_ option: CURLoption, _ value: String, _ what: String) {
            // libcurl copies string options.
            check(ccurl_easy_setopt_string(handle, option, value), what)
        }

        check(ccurl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, easy.errorBuffer), "ERRORBUFFER")
        long(CURLOPT_NOSIGNAL, 1, "NOSIGNAL")
        string(CURLOPT_URL, request.url, "URL")
        string(CURLOPT_PROTOCOLS_STR, "http,https", "PROTOCOLS_STR")
        long(CURLOPT_FOLLOWLOCATION, 0, "FOLLOWLOCATION")
        // Environment proxy variables must not reroute payment traffic.
        string(CURLOPT_PROXY, "", "PROXY")
        long(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1, "HTTP_VERSION")
        // Bodies are passed through as received; CURLOPT_ACCEPT_ENCODING is never set.
        long(CURLOPT_HTTP_CONTENT_DECODING, 0, "HTTP_CONTENT_DECODING")
        long(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(config.connectTimeout), "CONNECTTIMEOUT_MS")
        long(CURLOPT_TIMEOUT_MS, Self.milliseconds(config.totalTimeout), "TIMEOUT_MS")
        long(CURLOPT_TCP_KEEPALIVE, 1, "TCP_KEEPALIVE")
        long(CURLOPT_SSL_VERIFYPEER, 1, "SSL_VERIFYPEER")
        long(CURLOPT_SSL_VERIFYHOST, 2, "SSL_VERIFYHOST")
        long(CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2, "SSLVERSION")
        if let path = config.caBundlePath { string(CURLOPT_CAINFO, path, "CAINFO") }
        if let pin = config.pinnedPublicKey { string(CURLOPT_PINNEDPUBLICKEY, pin, "PINNEDPUBLICKEY") }
        check(ccurl_easy_setopt_off_t(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(config.maxResponseBytes)), "MAXFILESIZE_LARGE")
        if config.verbose {
            long(CURLOPT_VERBOSE, 1, "VERBOSE")
            check(ccurl_easy_setopt_debug_callback(handle, curlDebugCallback), "DEBUGFUNCTION")
        }

        let userdata = Unmanaged.passUnretained(transfer).toOpaque()
        check(ccurl_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteCallback), "WRITEFUNCTION")
        check(ccurl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, userdata), "WRITEDATA")
        check(ccurl_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, curlHeaderCallback), "HEADERFUNCTION")
        check(ccurl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, userdata), "HEADERDATA")

        // Method and body.
        let method = request.method
        let sendsBody: Bool
        if method == "HEAD" {
            long(CURLOPT_NOBODY, 1, "NOBODY")
            sendsBody = false
        } else if method == "GET" && request.body.isEmpty {
            long(CURLOPT_HTTPGET, 1, "HTTPGET")
            sendsBody = false
        } else if request.body.isEmpty && !["POST", "PUT", "PATCH"].contains(method) {
            string(CURLOPT_CUSTOMREQUEST, method, "CUSTOMREQUEST")
            sendsBody = false
        } else {
            long(CURLOPT_POST, 1, "POST")
            // Size first, so COPYPOSTFIELDS copies exactly that many bytes (binary-safe).
            check(ccurl_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)), "POSTFIELDSIZE_LARGE")
            if request.body.isEmpty {
                check(ccurl_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, ""), "COPYPOSTFIELDS")
            } else {
                let copied = request.body.withUnsafeBytes { bytes in
                    ccurl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress!))
                }
                check(copied, "COPYPOSTFIELDS")
            }
            if method != "POST" { string(CURLOPT_CUSTOMREQUEST, method, "CUSTOMREQUEST") }
            sendsBody = true
        }

        // Headers: the caller's, in order, minus framing fields this client owns; then
        // blank overrides so libcurl adds no Expect, Accept or Content-Type of its own.
        var list: UnsafeMutablePointer<curl_slist>?
        var sawAccept = false
        var sawContentType = false
        for field in request.headers {
            let lower = field.name.lowercased()
            if lower == "content-length" || lower == "transfer-encoding" || lower == "expect" { continue }
            if lower == "accept" { sawAccept = true }
            if lower == "content-type" { sawContentType = true }
            // "Name:" would make libcurl drop the field; "Name;" sends it with an empty value.
            let line = field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)"
            append(line)
        }
        append("Expect:")
        if !sawAccept { append("Accept:") }
        if sendsBody && !sawContentType { append("Content-Type:") }
        transfer.headerList = list
        check(ccurl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list), "HTTPHEADER")
        return failure

        func append(_ line: String) {
            // curl_slist_append copies the string; on failure it returns nil and the old list stays valid.
            if let extended = curl_slist_append(list, line) {
                list = extended
            } else if failure == nil {
                failure = "header list allocation failed"
            }
        }
    }

    private static func milliseconds(_ seconds: Double) -> Int {
        max(1, Int((seconds * 1000).rounded(.up)))
    }
}
