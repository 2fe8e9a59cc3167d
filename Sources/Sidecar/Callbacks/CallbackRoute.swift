import MerchantAPI

/// How the sidecar answers Freedom Pay once the app has handled a callback.
public enum CallbackAnswerMode: String, Sendable, Equatable, CaseIterable {
    /// The app answers JSON; Freedom Pay gets a `<response>` XML signed with `pg_sig`
    /// ("Check request", "Result notify").
    case signedXML = "signed-xml"
    /// The app's answer goes back unchanged ("Payout notify" asks only for a 200, and
    /// "Redirect back" is the buyer's browser).
    case passThrough = "pass-through"
}

/// One public path of the callback listener: which script name Freedom Pay signed, where the
/// verified callback goes, how it is answered, and whose key verifies it.
public struct CallbackRoute: Sendable, Equatable {
    /// The path the listener matches exactly (after the platform's ingress).
    public var path: String
    /// The app's URL: `https://…`, or `http://` to a loopback address. No query string.
    public var forwardTo: String
    /// The script name in `pg_sig` ("Signature generation": the URL's last segment).
    /// Defaults to the last segment of `path`; set it when the ingress rewrites the public URL.
    public var scriptName: String
    public var answer: CallbackAnswerMode
    /// The merchant id and secret that verify and sign; each nil field falls back to the main one.
    public var credentials: RouteCredentials

    public init(
        path: String, forwardTo: String, scriptName: String? = nil, answer: CallbackAnswerMode = .signedXML,
        credentials: RouteCredentials = RouteCredentials()
    ) {
        self.path = path
        self.forwardTo = forwardTo
        self.scriptName = scriptName ?? PGSignature.scriptName(ofPath: path)
        self.answer = answer
        self.credentials = credentials
    }
}

extension CallbackRoute: CustomStringConvertible {
    /// One line for `check-config`.
    public var description: String {
        var text = "forwardTo \(forwardTo); scriptName \(scriptName); answer \(answer.rawValue)"
        if let authID = credentials.authID { text += "; authId \(authID)" }
        if let key = credentials.key { text += "; key \(key)" }
        return text
    }
}
