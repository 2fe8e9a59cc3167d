import HTTP1
import MerchantAPI
import Upstream

extension ProxyResponder {
    /// A `pg_sig` route's request: the form read and checked, `pg_merchant_id`, `pg_salt`
    /// (and `pg_idempotency_key` where documented) added, `pg_sig` computed, sent as a
    /// single-use exchange (a fresh connection, never resent after a byte was written).
    func prepareMerchantAPI(_ request: HTTPRequest, route: Route, random: RandomBlock, outcome: inout Outcome) throws(SidecarError)
        -> UpstreamRequest
    {
        let head = request.head
        let types = head.headers.values(named: "Content-Type")
        guard types.count == 1 else {
            throw SidecarError(
                .unsupportedMediaType, message: "Content-Type must be application/x-www-form-urlencoded or multipart/form-data")
        }
        let action = try self.action(for: route, headers: head.headers)
        outcome.action = action
        guard let signing = signing[route.path], let form = signing.merchantForm else { throw .unknownRoute }
        // The local request id (logs, X-Request-Id to the client); the Merchant API has none.
        let assigned = try signing.requestIDs.requestID(for: head.headers, path: route.path, action: action, random: random)
        outcome.requestID = assigned.id
        outcome.requestIDSource = assigned.source
        guard let secret = signing.keyStore.key.sharedSecret else { throw .notReady }
        let idempotencyKey: String? =
            assigned.source == .idempotencyKey ? head.headers.values(named: "Idempotency-Key").first.map { String($0) } : nil
        let body = try form.signedBody(
            body: request.body, contentType: String(types[0]), idempotencyKey: idempotencyKey, secret: secret, salt: MerchantSalt.make)
        var headers = [
            HTTPHeader(name: "Content-Type", value: "application/x-www-form-urlencoded"),
            HTTPHeader(name: "User-Agent", value: userAgent),
        ]
        for name in ProxyResponder.forwardedClientHeaders {
            for value in head.headers.values(named: name) { headers.append(HTTPHeader(name: name, value: value)) }
        }
        return UpstreamRequest(method: head.method, url: upstreamBaseURL + route.path, headers: headers, body: body, singleUse: true)
    }

    /// What the answer's `pg_sig` says, checked with the route's current secret.
    func checkMerchantAnswer(_ body: [UInt8], route: Route) -> PGSignatureCheck {
        guard let secret = signing[route.path]?.keyStore.key.sharedSecret else { return .invalid }
        return MerchantAnswerCheck.check(body: body, script: MerchantScript.name(ofRoutePath: route.path), secret: secret)
    }
}

extension SidecarError {
    static let upstreamBadSignature = SidecarError(
        .upstreamBadSignature,
        message:
            "the Merchant API answer's pg_sig does not verify (rejectUnverifiedAnswers); the operation may have taken place: check its status"
    )
}
