import CCurl
import Foundation
import Synchronization

/// The upstream client on one libcurl multi handle, driven by one dedicated thread.
///
/// `send` never blocks a Swift concurrency or Dispatch thread: the request is queued
/// under a lock, the worker thread is woken with `curl_multi_wakeup`, and the
/// continuation is resumed from the worker thread when the transfer ends.
///
/// Only `UpstreamError` is thrown. Request bodies and headers are never logged; with
/// `verbose`, only libcurl's informational text (connects, TLS) goes to stderr.
///
/// Cancelling the calling task does not abort a transfer already queued or running;
/// it ends within `totalTimeout`. The environment's proxy variables are ignored.
public final class CurlUpstreamClient: UpstreamClient, @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Seconds to establish TCP and TLS (CURLOPT_CONNECTTIMEOUT_MS).
        public var connectTimeout: Double
        /// Seconds for the whole attempt, connect to last body byte (CURLOPT_TIMEOUT_MS).
        public var totalTimeout: Double
        /// Transfers running at once; also the connection limit.
        public var maxConcurrentTransfers: Int
        /// Transfers waiting for a slot; beyond this `send` throws `.overloaded`.
        public var maxQueuedTransfers: Int
        /// Largest response body accepted; a larger one is `.brokenResponse`.
        public var maxResponseBytes: Int
        /// Extra attempts after a connect failure or a send/receive failure before any response byte.
        public var retriesBeforeResponse: Int
        /// PEM CA bundle file (CURLOPT_CAINFO); nil uses libcurl's default store.
        public var caBundlePath: String?
        /// CURLOPT_PINNEDPUBLICKEY: a file path or "sha256//base64;sha256//base64".
        public var pinnedPublicKey: String?
        /// libcurl's informational text to stderr; never headers or bodies.
        public var verbose: Bool

        public init(
            connectTimeout: Double = 5,
            totalTimeout: Double = 30,
            maxConcurrentTransfers: Int = 64,
            maxQueuedTransfers: Int = 1024,
            maxResponseBytes: Int = 4 * 1024 * 1024,
            retriesBeforeResponse: Int = 1,
            caBundlePath: String? = nil,
            pinnedPublicKey: String? = nil,
            verbose: Bool = false
        ) {
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.maxConcurrentTransfers = maxConcurrentTransfers
            self.maxQueuedTransfers = maxQueuedTransfers
            self.maxResponseBytes = maxResponseBytes
            self.retriesBeforeResponse = retriesBeforeResponse
            self.caBundlePath = caBundlePath
            self.pinnedPublicKey = pinnedPublicKey
            self.verbose = verbose
        }
    }

    public let configuration: Configuration
    private let worker: CurlWorker

    public init(configuration: Configuration = Configuration()) throws {
        guard configuration.connectTimeout > 0, configuration.totalTimeout > 0 else {
            throw CurlClientSetupError.invalidConfiguration("timeouts must be positive")
        }
        guard configuration.maxConcurrentTransfers >= 1, configuration.maxQueuedTransfers >= 0,
              configuration.maxResponseBytes >= 0, configuration.retriesBeforeResponse >= 0
        else {
            throw CurlClientSetupError.invalidConfiguration("limits out of range")
        }
        let globalInit = CurlGlobal.initResult
        guard globalInit == CURLE_OK else {
            throw CurlClientSetupError.curl("curl_global_init: \(String(cString: curl_easy_strerror(globalInit)))")
        }
        self.configuration = configuration
        self.worker = try CurlWorker(configuration: configuration)
        let worker = self.worker
        let thread = Thread { worker.run() }
        thread.name = "upstream-curl"
        thread.start()
    }

    deinit {
        worker.shutdown()
    }

    public func send(_ request: UpstreamRequest) async throws(UpstreamError) -> UpstreamResponse {
        if let problem = Self.validate(request) {
            throw .unreachable("invalid request: \(problem)")
        }
        let worker = self.worker
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<UpstreamResponse, UpstreamError>, Never>) in
            worker.submit(CurlTransfer(request: request, continuation: continuation, maxResponseBytes: configuration.maxResponseBytes))
        }
        return try result.get()
    }

    /// Stops accepting requests; the worker thread exits once queued and in-flight
    /// transfers have finished or failed. Returns without waiting.
    public func shutdown() {
        worker.shutdown()
    }

    /// Returns once the worker thread has exited (after `shutdown()`).
    public func waitUntilStopped() async {
        await worker.waitUntilStopped()
    }

    /// Attempts started since this client was created, retries included (successful or not).
    public var attemptCount: Int {
        worker.attemptCounter.load(ordering: .relaxed)
    }

    /// Transfers queued or running right now.
    public var outstandingTransfers: Int {
        worker.outstanding
    }

    /// Transfers waiting for a free slot right now (not yet handed to libcurl).
    public var queuedTransfers: Int {
        worker.queued
    }

    private static func validate(_ request: UpstreamRequest) -> String? {
        guard !request.method.isEmpty, request.method.utf8.allSatisfy(isTokenByte) else { return "method" }
        let lowerURL = request.url.lowercased()
        guard lowerURL.hasPrefix("https://") || lowerURL.hasPrefix("http://") else { return "URL scheme" }
        guard request.url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return "URL characters" }
        if request.method == "HEAD" && !request.body.isEmpty { return "HEAD with a body" }
        for field in request.headers {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(isTokenByte) else { return "header name" }
            guard !field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) else {
                return "header value of \(field.name)"
            }
        }
        return nil
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

public enum CurlClientSetupError: Error, Sendable, Equatable {
    case invalidConfiguration(String)
    case curl(String)
}

enum CurlGlobal {
    /// `curl_global_init` runs once per process, on first use (Swift's lazy statics are thread-safe).
    static let initResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
}
