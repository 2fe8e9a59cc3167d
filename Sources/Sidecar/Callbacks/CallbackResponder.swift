import HTTP1
import HTTPServer
import Logging
import Upstream

/// The callback listener's request path: match the path, read the fields, verify `pg_sig`
/// and the merchant, forward the same method and bytes to the app, and answer Freedom Pay
/// (README "Callbacks"). Nothing unverified reaches the app.
final class CallbackResponder: HTTPResponder {
    /// A configured callback with the key and merchant id that verify it.
    struct Entry: Sendable {
        let route: CallbackRoute
        let keyStore: KeyStore
        let merchantID: String

        /// The secret `pg_sig` hashes, as loaded now (a rotated key file is reloaded with the others).
        var secret: [UInt8] { keyStore.key.sharedSecret ?? [] }
    }

    let entries: [String: Entry]
    let app: any UpstreamClient
    let repeats: CallbackRepeatRecord
    let metrics: SidecarMetrics
    let logger: Logger
    let userAgent: String

    init(
        entries: [Entry], app: any UpstreamClient, repeats: CallbackRepeatRecord, metrics: SidecarMetrics, logger: Logger,
        userAgent: String
    ) {
        self.entries = Dictionary(entries.map { ($0.route.path, $0) }, uniquingKeysWith: { first, _ in first })
        self.app = app
        self.repeats = repeats
        self.metrics = metrics
        self.logger = logger
        self.userAgent = userAgent
    }

    /// What the callback listener answers instead of forwarding: an error, or a refusal of
    /// the signature (403, counted and logged apart).
    enum Refusal: Error {
        case error(SidecarError)
        case unverified(CallbackVerdict)
    }

    func respond(to request: HTTPRequest, writer: HTTPResponseWriter) {
        let requestID = UUIDText.version7()
        let started = ContinuousClock.now
        let prepared: (entry: Entry, forward: UpstreamRequest, message: CallbackMessage, repeated: Bool)
        do {
            prepared = try prepare(request, requestID: requestID)
        } catch {
            switch error {
            case .error(let error):
                finish(
                    request, path: entries[String(request.head.path)]?.route.path, outcome: "refused", error: error, requestID: requestID,
                    started: started, writer: writer)
            case .unverified(let verdict):
                let path = String(request.head.path)
                metrics.callbackFinished(path: path, outcome: verdict.rawValue)
                // The reason and the field names only: callback fields carry card and buyer data.
                logger.warning(
                    "callback refused: signature not verified",
                    metadata: [
                        "path": "\(path)", "reason": "\(verdict.rawValue)", "request_id": "\(requestID)",
                        "method": "\(request.head.method)",
                    ])
                let error = SidecarError(.callbackUnverified, message: "the callback's signature could not be verified")
                writer.send(error.response(requestID: requestID))
            }
            return
        }
        let entry = prepared.entry
        app.send(prepared.forward, on: writer.loop) { [self] result, _ in
            switch result {
            case .failure(let failure):
                finish(
                    request, path: entry.route.path, outcome: "app_failed", error: Self.appError(failure), requestID: requestID,
                    started: started, writer: writer)
            case .success(let answer):
                switch Self.answer(answer, entry: entry, message: prepared.message) {
                case .success(let response):
                    finish(
                        request, path: entry.route.path, outcome: prepared.repeated ? "repeat" : "forwarded", response: response,
                        requestID: requestID, started: started, writer: writer)
                case .failure(let refusal):
                    logger.warning(
                        "callback: the app's answer cannot be passed on",
                        metadata: [
                            "path": "\(entry.route.path)", "reason": "\(refusal.reason)", "app_status": .stringConvertible(answer.status),
                            "request_id": "\(requestID)",
                        ])
                    finish(
                        request, path: entry.route.path, outcome: "app_failed",
                        error: SidecarError(.appBadAnswer, message: "the app's answer cannot be passed on: \(refusal.reason)"),
                        requestID: requestID, started: started, writer: writer)
                }
            }
        }
    }

    func response(for failure: HTTPServerFailure) -> HTTPResponse {
        let error = SidecarError.from(failure)
        logger.notice("callback rejected before routing", metadata: ["status": "\(error.status)", "error": "\(error.code)"])
        return error.response()
    }

    /// Everything before the app: policy, fields, verification, the repeat record.
    private func prepare(_ request: HTTPRequest, requestID: String) throws(Refusal) -> (
        entry: Entry, forward: UpstreamRequest, message: CallbackMessage, repeated: Bool
    ) {
        let head = request.head
        let entry: Entry
        let message: CallbackMessage
        do throws(SidecarError) {
            guard head.target.hasPrefix("/") else { throw .invalidRequest("the request target must be a path") }
            guard let found = entries[String(head.path)] else { throw .unknownRoute }
            entry = found
            message = try CallbackRequestPolicy.message(of: request)
        } catch {
            throw .error(error)
        }
        let verdict = CallbackVerdict.of(message, scriptName: entry.route.scriptName, merchantID: entry.merchantID, secret: entry.secret)
        guard verdict == .verified else { throw .unverified(verdict) }
        let repeated = repeats.recordAndCheck(
            CallbackSignature.contentDigest(path: entry.route.path, scriptName: entry.route.scriptName, message: message.message))
        var headers = [
            HTTPHeader(name: "User-Agent", value: userAgent),
            HTTPHeader(name: "X-Request-Id", value: requestID),
            HTTPHeader(name: "X-FreedomPay-Signature", value: "verified"),
        ]
        if repeated { headers.append(HTTPHeader(name: "X-FreedomPay-Repeat", value: "true")) }
        if let type = head.headers.first(named: "Content-Type") { headers.insert(HTTPHeader(name: "Content-Type", value: type), at: 0) }
        for name in ["traceparent", "tracestate"] {
            for value in head.headers.values(named: name) { headers.append(HTTPHeader(name: name, value: value)) }
        }
        let query = message.query.map { "?" + $0 } ?? ""
        let forward = UpstreamRequest(method: head.method, url: entry.route.forwardTo + query, headers: headers, body: request.body)
        return (entry, forward, message, repeated)
    }

    /// The answer for Freedom Pay, from the app's.
    static func answer(_ answer: UpstreamResponse, entry: Entry, message: CallbackMessage) -> Result<
        HTTPResponse, CallbackAppAnswer.Refusal
    > {
        switch entry.route.answer {
        case .passThrough:
            guard answer.status < 500 else { return .failure(.init(reason: "the app answered \(answer.status)")) }
            return .success(HTTPResponse(status: answer.status, headers: passThroughHeaders(answer.headers), body: answer.body))
        case .signedXML:
            guard answer.status == 200 else { return .failure(.init(reason: "the app answered \(answer.status), not 200")) }
            let parsed: CallbackAppAnswer
            do throws(CallbackAppAnswer.Refusal) {
                parsed = try CallbackAppAnswer.parse(answer.body)
            } catch {
                return .failure(error)
            }
            do throws(CallbackAppAnswer.Refusal) {
                let body = try CallbackSignature.signedResponse(
                    scriptName: entry.route.scriptName, fields: parsed.fields, salt: message.salt, secret: entry.secret)
                return .success(
                    HTTPResponse(
                        status: 200, headers: [HTTPHeader(name: "Content-Type", value: "application/xml; charset=utf-8")], body: body))
            } catch {
                return .failure(error)
            }
        }
    }

    static func appError(_ failure: UpstreamError) -> SidecarError {
        switch failure {
        case .timedOut(let detail): SidecarError(.appTimeout, message: "the app timed out: \(detail)")
        case .brokenResponse(let detail): SidecarError(.appBadAnswer, message: "the app's answer is broken: \(detail)")
        case .overloaded: .overloaded
        case .unreachable(let detail): SidecarError(.appUnreachable, message: "the app is unreachable: \(detail)")
        case .tlsFailed(_, let message), .proxyFailed(_, let message):
            SidecarError(.appUnreachable, message: "the app is unreachable: \(message)")
        }
    }

    /// The app's headers minus hop-by-hop fields (RFC 9110 §7.6.1) and Content-Length.
    static func passThroughHeaders(_ fields: [HTTPHeader]) -> [HTTPHeader] {
        var named: [Substring] = []
        for field in fields where field.name.caseInsensitiveEquals("Connection") {
            for token in field.value.split(separator: ",") { named.append(Substring(token.trimmingOWS())) }
        }
        let hopByHop = ["Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length"]
        return fields.filter { field in
            !hopByHop.contains(where: { field.name.caseInsensitiveEquals($0) })
                && !named.contains(where: { field.name.caseInsensitiveEquals($0) })
        }
    }

    private func finish(
        _ request: HTTPRequest, path: String?, outcome: String, error: SidecarError, requestID: String, started: ContinuousClock.Instant,
        writer: HTTPResponseWriter
    ) {
        finish(
            request, path: path, outcome: outcome, response: error.response(requestID: requestID), errorCode: error.code,
            requestID: requestID,
            started: started, writer: writer)
    }

    /// One log line per callback (never a field value), the metric, the answer.
    private func finish(
        _ request: HTTPRequest, path: String?, outcome: String, response: HTTPResponse, errorCode: String? = nil, requestID: String,
        started: ContinuousClock.Instant, writer: HTTPResponseWriter
    ) {
        metrics.callbackFinished(path: path ?? "unmatched", outcome: outcome)
        let level: Logger.Level = response.status >= 500 ? .warning : .info
        var metadata: Logger.Metadata = [
            "method": "\(request.head.method)", "path": "\(path ?? LogText.bounded(String(request.head.path)))",
            "status": .stringConvertible(response.status), "outcome": "\(outcome)", "request_id": "\(requestID)",
            "duration_ms": .stringConvertible((ContinuousClock.now - started).milliseconds),
        ]
        if let errorCode { metadata["error"] = "\(errorCode)" }
        logger.log(level: level, "callback", metadata: metadata)
        writer.send(response)
    }
}
