/// One request from `send` until its completion ran: the serialized bytes (the same for
/// every attempt, so a retry carries the same request id and signature), the deadline of
/// the whole exchange, and the attempt count.
final class UpstreamExchange {
    let requestBytes: [UInt8]
    let requestWasHead: Bool
    /// The id the answer must echo in `x-request-id`, if any.
    let requestID: String?
    /// See `UpstreamRequest.singleUse`.
    let singleUse: Bool
    /// Some request bytes were written on some attempt: a single-use exchange is not resent.
    var requestBytesSent = false
    /// End of the whole exchange on the loop clock, queueing and retries included.
    let deadline: UInt64
    private(set) var attempts = 0
    private var completion: UpstreamCompletion?

    init(
        requestBytes: [UInt8], requestWasHead: Bool, singleUse: Bool = false, requestID: String?, deadline: UInt64,
        completion: @escaping UpstreamCompletion
    ) {
        self.requestBytes = requestBytes
        self.requestWasHead = requestWasHead
        self.singleUse = singleUse
        self.requestID = requestID
        self.deadline = deadline
        self.completion = completion
    }

    /// Whether a failed attempt may be made again on a fresh connection.
    func mayRetry(_ retryable: Bool) -> Bool {
        retryable && !(singleUse && requestBytesSent)
    }

    func beginAttempt() {
        attempts += 1
    }

    func succeed(_ response: UpstreamResponse) {
        var response = response
        response.attempts = attempts
        finish(.success(response))
    }

    func fail(_ error: UpstreamError) {
        finish(.failure(error))
    }

    private func finish(_ result: Result<UpstreamResponse, UpstreamError>) {
        guard let completion else { return }
        self.completion = nil
        completion(result, attempts)
    }
}
