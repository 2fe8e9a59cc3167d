import FreedomPayJWS
import HTTP1
import HTTPServer
import Logging
import SocketLoop
import Upstream

/// The sidecar's request path: route → request id → validate → sign → record → forward →
/// pass back. The checks run in the order the README's error table documents.
final class ProxyResponder: HTTPResponder {
    let routes: RouteTable
    let upstream: any UpstreamClient
    let upstreamBaseURL: String
    let metrics: SidecarMetrics
    let logger: Logger
    let userAgent: String
    private let validator = BodyValidator()
    /// Which operation each forwarded request id was for, and the key that hashes them.
    let idempotencyRecord: IdempotencyRecord
    let fingerprints = OperationFingerprint.Hasher()
    /// Random bytes for generated request ids, one block per event loop.
    private let randomBlocks: LoopLocal<RandomBlock>

    /// What a route signs with, computed once per route path.
    struct Signing: Sendable {
        let keyStore: KeyStore
        /// `b64url(JOSE header)`: the header depends on the route, its merchant, the method
        /// (always POST), its algorithm and key id — not on the key bytes — so it stays valid
        /// across key rotation.
        let encodedHeader: String
        /// Request ids derived with the route's own merchant id.
        let requestIDs: RequestIDPolicy
        /// `pg_sig` routes: the Merchant API form signer.
        var merchantForm: MerchantFormSigner?
    }
    let signing: [String: Signing]
    /// `rejectUnverifiedAnswers`: an invalid `pg_sig` on an answer becomes a 502.
    let rejectUnverifiedAnswers: Bool

    /// Client headers that may reach Freedom Pay; everything else stays here.
    static let forwardedClientHeaders = ["Accept-Language", "traceparent", "tracestate"]

    /// `keys` holds the main key store and each route's own; `merchantID` and `keyID` are the
    /// main ones, used by routes that do not name their own.
    init(
        routes: RouteTable, keys: RouteKeys, merchantID: String, keyID: String?, upstream: any UpstreamClient, upstreamBaseURL: String,
        metrics: SidecarMetrics, logger: Logger, userAgent: String, loops: EventLoopGroup,
        idempotencyRecord: IdempotencyRecord, rejectUnverifiedAnswers: Bool = false
    ) {
        self.rejectUnverifiedAnswers = rejectUnverifiedAnswers
        self.routes = routes
        self.idempotencyRecord = idempotencyRecord
        self.upstream = upstream
        self.upstreamBaseURL = upstreamBaseURL
        self.metrics = metrics
        self.logger = logger
        self.userAgent = userAgent
        self.randomBlocks = LoopLocal(loops) { _ in RandomBlock() }
        var signing: [String: Signing] = [:]
        for route in routes.routes {
            let signer = keys.signer(for: route, merchantID: merchantID, keyID: keyID)
            signing[route.path] = Signing(
                keyStore: signer.keyStore, encodedHeader: DetachedJWS.encode(signer.header(path: route.path)),
                requestIDs: RequestIDPolicy(merchantID: signer.merchantID),
                merchantForm: route.signature == .pgSig
                    ? MerchantFormSigner(
                        script: MerchantScript.forRoute(route.path), moneyMoving: route.moneyMoving, merchantID: signer.merchantID)
                    : nil)
        }
        self.signing = signing
    }

    /// What one request did, for its log line and metrics.
    struct Outcome {
        var route = "unmatched"
        var action = "-"
        var requestID: String?
        var requestIDSource: RequestIDPolicy.Source?
        var upstreamStatus: Int?
        var upstreamDuration: Duration?
        var attempts = 0
        var errorCode: String?
        /// The `X-Action` a client asked for and the route refused, as sent (bounded when logged).
        var refusedAction: String?
    }

    func respond(to request: HTTPRequest, writer: HTTPResponseWriter) {
        let started = ContinuousClock.now
        metrics.requestStarted(on: writer.loop)
        var outcome = Outcome()
        let upstreamRequest: UpstreamRequest
        let route: Route
        do {
            (upstreamRequest, route) = try prepare(request, random: randomBlocks[writer.loop], outcome: &outcome)
        } catch {
            finish(request, with: error, outcome: outcome, started: started, writer: writer)
            return
        }
        let upstreamStarted = ContinuousClock.now
        upstream.send(upstreamRequest, on: writer.loop) { [self] result, attempts in
            let upstreamDuration = ContinuousClock.now - upstreamStarted
            outcome.upstreamDuration = upstreamDuration
            outcome.attempts = attempts
            metrics.upstreamAttempted(on: writer.loop, attempts: attempts)
            switch result {
            case .success(let answer):
                outcome.upstreamStatus = answer.status
                if answer.requestIDEcho == .missing {
                    logger.warning(
                        "upstream answer without x-request-id: passed on, its connection not reused",
                        metadata: ["request_id": "\(outcome.requestID ?? "-")"])
                }
                metrics.upstreamFinished(on: writer.loop, route: route.path, duration: upstreamDuration)
                var headers = passThroughHeaders(answer.headers, requestID: outcome.requestID ?? "")
                if route.signature == .pgSig {
                    // The upstream's own header of that name never reaches the client.
                    headers.removeAll { $0.name.caseInsensitiveEquals(MerchantAnswerCheck.header) }
                    let check = checkMerchantAnswer(answer.body, route: route)
                    metrics.merchantAnswerChecked(check)
                    if check == .invalid && rejectUnverifiedAnswers {
                        finish(request, with: .upstreamBadSignature, outcome: outcome, started: started, writer: writer)
                        return
                    }
                    headers.append(HTTPHeader(name: MerchantAnswerCheck.header, value: check.rawValue))
                }
                let response = HTTPResponse(status: answer.status, headers: headers, body: answer.body)
                finish(request, response: response, outcome: outcome, started: started, writer: writer)
            case .failure(let error):
                metrics.upstreamFailed(on: writer.loop, kind: error.kind)
                finish(request, with: SidecarError.from(error), outcome: outcome, started: started, writer: writer)
            }
        }
    }

    /// RFC 9110 §10.1.1: a request that will be refused whatever its body is answered before
    /// `100 Continue`, so that its body is never sent (the connection then closes). Every
    /// check up to 428 `idempotency_key_required` reads the head alone.
    func responseBeforeContinue(to head: HTTPRequestHead, loop: EventLoop) -> HTTPResponse? {
        let started = ContinuousClock.now
        var outcome = Outcome()
        do {
            _ = try checkHead(head, random: randomBlocks[loop], outcome: &outcome)
            return nil
        } catch {
            metrics.requestStarted(on: loop)
            outcome.errorCode = error.code
            let response = error.response(requestID: outcome.requestID)
            let duration = ContinuousClock.now - started
            metrics.requestFinished(
                on: loop, route: outcome.route, action: outcome.action, status: response.status, errorCode: outcome.errorCode,
                duration: duration)
            logRequest(HTTPRequest(head: head, body: []), response: response, outcome: outcome, duration: duration)
            return response
        }
    }

    func response(for failure: HTTPServerFailure) -> HTTPResponse {
        let error = SidecarError.from(failure)
        logger.notice("request rejected before routing", metadata: ["status": "\(error.status)", "error": "\(error.code)"])
        return error.response()
    }

    private func finish(
        _ request: HTTPRequest, with error: SidecarError, outcome: Outcome, started: ContinuousClock.Instant, writer: HTTPResponseWriter
    ) {
        var outcome = outcome
        outcome.errorCode = error.code
        finish(request, response: error.response(requestID: outcome.requestID), outcome: outcome, started: started, writer: writer)
    }

    private func finish(
        _ request: HTTPRequest, response: HTTPResponse, outcome: Outcome, started: ContinuousClock.Instant, writer: HTTPResponseWriter
    ) {
        let duration = ContinuousClock.now - started
        metrics.requestFinished(
            on: writer.loop, route: outcome.route, action: outcome.action, status: response.status, errorCode: outcome.errorCode,
            duration: duration)
        logRequest(request, response: response, outcome: outcome, duration: duration)
        writer.send(response)
    }

    /// What the request head alone decides.
    private struct HeadDecision {
        let route: Route
        let action: String
        let signing: Signing
        let requestID: String
    }

    /// The checks that read only the head, in the documented order: target (400
    /// `invalid_request`), 404, 405, `Host` (400 `invalid_request`), 411, 415, a repeated
    /// `X-Action` (400 `invalid_request`) and 403, 400 `invalid_request_id`, 428.
    private func checkHead(_ head: HTTPRequestHead, random: RandomBlock, outcome: inout Outcome) throws(SidecarError) -> HeadDecision {
        guard head.target.hasPrefix("/") else { throw .invalidRequest("the request target must be a path") }
        guard !head.target.contains("?") else { throw .invalidRequest("query strings are not accepted") }
        guard let route = routes.route(for: head.path) else { throw .unknownRoute }
        outcome.route = route.path
        guard head.method == "POST" else { throw .methodNotAllowed("POST") }
        // RFC 9112 §3.2: an HTTP/1.1 request carries exactly one Host.
        let hosts = head.headers.values(named: "Host")
        guard hosts.count == 1 || (hosts.isEmpty && head.versionMinor == 0) else { throw .invalidRequest("send exactly one Host header") }
        guard hosts.allSatisfy(HTTPSyntax.isValidHost) else { throw .invalidRequest("Host must be host[:port]") }
        guard
            head.headers.contains(where: {
                $0.name.caseInsensitiveEquals("Content-Length") || $0.name.caseInsensitiveEquals("Transfer-Encoding")
            })
        else {
            throw .lengthRequired
        }
        if route.signature == .pgSig { try checkMerchantContentType(head.headers) } else { try checkContentType(head.headers) }
        let action: String
        do {
            action = try self.action(for: route, headers: head.headers)
        } catch {
            // Named in the log line on both paths: after the body, and before `100 Continue`.
            if error.kind == .actionNotAllowed {
                outcome.refusedAction = head.headers.values(named: "X-Action").first.map { String($0) }
            }
            throw error
        }
        outcome.action = action
        // Every configured route has its signing entry (built in `init` from the same table).
        guard let signing = signing[route.path] else { throw .unknownRoute }
        let assigned = try signing.requestIDs.requestID(
            for: head.headers, path: route.path, action: action, idempotency: route.idempotency(for: action), random: random)
        outcome.requestID = assigned.id
        outcome.requestIDSource = assigned.source
        return HeadDecision(route: route, action: action, signing: signing, requestID: assigned.id)
    }

    /// Everything before the upstream: the head's checks, then 400 `invalid_body`, the
    /// signature, and 422 `idempotency_key_reused`; the record is written last, as the
    /// request is handed to the upstream client.
    private func prepare(_ request: HTTPRequest, random: RandomBlock, outcome: inout Outcome) throws(SidecarError) -> (
        UpstreamRequest, Route
    ) {
        let head = request.head
        let decision = try checkHead(head, random: random, outcome: &outcome)
        let route = decision.route
        if route.signature == .pgSig {
            return (try prepareMerchantAPI(request, route: route, signing: decision.signing, outcome: outcome), route)
        }
        let schema = route.schema(for: decision.action)
        let body = try validator.validate(request.body, schema: schema)

        let signature = DetachedJWS.sign(
            encodedHeader: decision.signing.encodedHeader, payload: request.body, key: decision.signing.keyStore.key)
        var headers = [
            HTTPHeader(name: "Content-Type", value: "application/json"),
            HTTPHeader(name: "Accept", value: "application/json"),
            HTTPHeader(name: "User-Agent", value: userAgent),
            HTTPHeader(name: "X-Action", value: decision.action),
            HTTPHeader(name: "X-Request-Id", value: decision.requestID),
            HTTPHeader(name: "X-JWS-Signature", value: signature),
        ]
        for name in ProxyResponder.forwardedClientHeaders {
            for value in head.headers.values(named: name) { headers.append(HTTPHeader(name: name, value: value)) }
        }
        let fingerprint = fingerprints.fingerprint(path: route.path, action: decision.action, schema: schema, body: body)
        guard idempotencyRecord.admit(requestID: decision.requestID, fingerprint: fingerprint) != .differentOperation else {
            throw .idempotencyKeyReused
        }
        let upstreamRequest = UpstreamRequest(
            method: head.method, url: upstreamBaseURL + route.path, headers: headers, body: request.body,
            requestID: decision.requestID)
        return (upstreamRequest, route)
    }

    private func checkContentType(_ headers: [HTTPHeader]) throws(SidecarError) {
        let types = headers.values(named: "Content-Type")
        guard types.count == 1 else { throw .unsupportedMediaType }
        let parameters = types[0].split(separator: ";").map { $0.trimmingOWS() }
        guard let mediaType = parameters.first, mediaType.caseInsensitiveEquals("application/json") else { throw .unsupportedMediaType }
        for parameter in parameters.dropFirst() where parameter.utf8.count >= 8 && parameter.prefix(8).caseInsensitiveEquals("charset=") {
            let charset = parameter.dropFirst(8)
            guard charset.caseInsensitiveEquals("utf-8") || charset.caseInsensitiveEquals("\"utf-8\"") else { throw .unsupportedMediaType }
        }
    }

    func action(for route: Route, headers: [HTTPHeader]) throws(SidecarError) -> String {
        let requested = headers.values(named: "X-Action")
        guard requested.count <= 1 else { throw .invalidRequest("send X-Action at most once") }
        guard let action = requested.first else { return route.defaultAction }
        guard route.allowedActions.contains(action) else { throw .actionNotAllowed(String(action.prefix(64)), path: route.path) }
        return action
    }

    /// The upstream's headers minus hop-by-hop fields (RFC 9110 §7.6.1) and any
    /// `X-Sidecar-Error`; `X-Request-Id` is added only if the upstream did not echo one.
    private func passThroughHeaders(_ fields: [HTTPHeader], requestID: String) -> [HTTPHeader] {
        // Fields named in a Connection header are hop-by-hop too (RFC 9110 §7.6.1).
        var named: [Substring] = []
        for field in fields where field.name.caseInsensitiveEquals("Connection") {
            for token in field.value.split(separator: ",") { named.append(Substring(token.trimmingOWS())) }
        }
        var headers: [HTTPHeader] = []
        headers.reserveCapacity(fields.count + 1)
        var echoedRequestID = false
        for field in fields {
            if ProxyResponder.hopByHopFields.contains(where: { field.name.caseInsensitiveEquals($0) }) { continue }
            if named.contains(where: { field.name.caseInsensitiveEquals($0) }) { continue }
            // X-Sidecar-Error means the sidecar produced the answer: never the upstream's own.
            if field.name.caseInsensitiveEquals("X-Sidecar-Error") { continue }
            if !echoedRequestID && field.name.caseInsensitiveEquals("X-Request-Id") { echoedRequestID = true }
            headers.append(field)
        }
        if !echoedRequestID { headers.append(HTTPHeader(name: "X-Request-Id", value: requestID)) }
        return headers
    }

    /// Hop-by-hop fields (RFC 9110 §7.6.1), and Content-Length, which the serializer sets.
    private static let hopByHopFields = [
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length",
    ]

    /// One line per request: `info`, or `warning` when the answer is a 5xx (the sidecar's or
    /// Freedom Pay's) or Freedom Pay's 401/403, so that failures show at `--log-level warning`.
    /// Built only when written.
    private func logRequest(_ request: HTTPRequest, response: HTTPResponse, outcome: Outcome, duration: Duration) {
        let refusedCredentials = outcome.upstreamStatus == 401 || outcome.upstreamStatus == 403
        let level: Logger.Level = response.status >= 500 || refusedCredentials ? .warning : .info
        guard logger.logLevel <= level else { return }
        var metadata: Logger.Metadata = [
            "method": "\(request.head.method)",
            "route": "\(outcome.route)",
            "action": "\(outcome.action)",
            "status": .stringConvertible(response.status),
            "source": "\(outcome.errorCode == nil ? "upstream" : "sidecar")",
            "duration_ms": .stringConvertible(duration.milliseconds),
        ]
        if outcome.errorCode == SidecarErrorCode.unknownRoute.rawValue {
            metadata["path"] = "\(LogText.bounded(String(request.head.path)))"
        }
        if let traceID = ProxyResponder.traceID(in: request.head.headers) { metadata["trace_id"] = "\(traceID)" }
        if let id = outcome.requestID { metadata["request_id"] = "\(id)" }
        if let source = outcome.requestIDSource { metadata["request_id_source"] = "\(source.rawValue)" }
        if let status = outcome.upstreamStatus { metadata["upstream_status"] = .stringConvertible(status) }
        if let upstream = outcome.upstreamDuration { metadata["upstream_ms"] = .stringConvertible(upstream.milliseconds) }
        if outcome.attempts > 0 { metadata["upstream_attempts"] = .stringConvertible(outcome.attempts) }
        if let code = outcome.errorCode { metadata["error"] = "\(code)" }
        if let refused = outcome.refusedAction { metadata["refused_action"] = "\(LogText.bounded(refused, limit: 64))" }
        if refusedCredentials {
            metadata["hint"] =
                "Freedom Pay refused the request's credentials: key or authId wrong (or the key was rotated on one side only, or the kid/alg differ)"
        }
        logger.log(level: level, "request", metadata: metadata)
    }

    /// The trace id of a valid W3C `traceparent` (version-traceid-parentid-flags, lowercase hex).
    static func traceID(in headers: [HTTPHeader]) -> String? {
        let values = headers.values(named: "traceparent")
        guard values.count == 1 else { return nil }
        let parts = values[0].split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].utf8.count == 2, parts[1].utf8.count == 32, parts[2].utf8.count == 16, parts[3].utf8.count == 2,
            parts.prefix(4).allSatisfy({ $0.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) } }),
            parts[1].utf8.contains(where: { $0 != UInt8(ascii: "0") })
        else { return nil }
        return String(parts[1])
    }
}

extension SidecarError {
    static func from(_ error: UpstreamError) -> SidecarError {
        switch error {
        case .unreachable(let detail): .upstreamUnreachable(detail)
        case .timedOut(let detail): .upstreamTimeout(detail)
        case .brokenResponse(let detail): .upstreamBadResponse(detail)
        case .overloaded: .overloaded
        case .tlsFailed(let code, let message): .upstreamTLS(code: code, message: message)
        case .proxyFailed(let code, let message): .upstreamProxy(code: code, message: message)
        }
    }
}

extension Duration {
    /// Milliseconds with microsecond resolution, for logs.
    var milliseconds: Double {
        Double(nanoseconds / 1000) / 1000
    }
}
