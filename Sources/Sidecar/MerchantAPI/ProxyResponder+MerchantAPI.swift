import HTTP1
import JSONCore
import MerchantAPI
import Upstream

extension ProxyResponder {
    /// A `pg_sig` route takes a form: one `Content-Type`, urlencoded or multipart (else 415).
    func checkMerchantContentType(_ headers: [HTTPHeader]) throws(SidecarError) {
        let types = headers.values(named: "Content-Type")
        guard types.count == 1, (try? FormContentType(String(types[0]))) != nil else {
            throw SidecarError(
                .unsupportedMediaType,
                message: "Content-Type must be application/x-www-form-urlencoded or multipart/form-data with a boundary")
        }
    }

    /// A `pg_sig` route's request after the head's checks (`checkHead`): the form read and
    /// checked, `pg_merchant_id`, `pg_salt` (and `pg_idempotency_key` where documented)
    /// added, `pg_sig` computed, sent as a single-use exchange (a fresh connection, never
    /// resent once a byte was written).
    func prepareMerchantAPI(_ request: HTTPRequest, route: Route, signing: Signing, outcome: Outcome) throws(SidecarError)
        -> UpstreamRequest
    {
        let head = request.head
        guard let form = signing.merchantForm, let contentType = head.headers.values(named: "Content-Type").first else {
            throw .unknownRoute
        }
        guard let secret = signing.keyStore.key.sharedSecret else { throw .notReady }
        let idempotencyKey: String? =
            outcome.requestIDSource == .idempotencyKey ? head.headers.values(named: "Idempotency-Key").first.map { String($0) } : nil
        let body = try form.signedBody(
            body: request.body, contentType: String(contentType), idempotencyKey: idempotencyKey, secret: secret, salt: { PGSalt.random() })
        // A key reused for another form is a 422, as on JWS routes (per replica). The fields
        // compared are the caller's, without `pg_salt`, whose value does not change the operation.
        if let requestID = outcome.requestID,
            let fields = try? FormReader.read(body: request.body, contentType: String(contentType), policy: .signing)
        {
            let members = fields.filter { $0.name != PGSignature.saltField }.map { ($0.name, JSONValue.string($0.value)) }
            let operation = JSONValue.object(Dictionary(members, uniquingKeysWith: { first, _ in first }))
            let fingerprint = fingerprints.fingerprint(path: route.path, action: outcome.action, schema: .jsonObject, body: operation)
            guard idempotencyRecord.admit(requestID: requestID, fingerprint: fingerprint) != .differentOperation else {
                throw .idempotencyKeyReused
            }
        }
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
