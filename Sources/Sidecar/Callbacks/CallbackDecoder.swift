import JSONCore
import MerchantAPI
import Upstream

/// Reads the config file's `callbacks` list, strictly and reporting every problem, as
/// `RouteDecoder` reads `routes`.
enum CallbackDecoder {
    static let keys = ["path", "forwardTo", "scriptName", "answer", "credentials"]

    static func decode(_ value: JSONValue) throws(SettingError) -> [CallbackRoute] {
        guard case .array(let items) = value else { throw SettingError("must be a list of callbacks, got \(RouteDecoder.kind(of: value))") }
        return try RouteDecoder.decodeEach(items, noun: "callback", path: \.path, decode: decodeCallback)
    }

    static func decodeCallback(_ item: JSONValue, problems: inout [String]) -> CallbackRoute? {
        guard case .object(let object) = item else {
            problems.append("must be an object, got \(RouteDecoder.kind(of: item))")
            return nil
        }
        problems += RouteDecoder.unknownKeys(object, valid: keys, in: "")
        func text(_ key: String, example: String, required: Bool) -> String? {
            switch object[key] {
            case nil:
                if required { problems.append("'\(key)' is required, e.g. \"\(example)\"") }
                return nil
            case .string(let text)?:
                return text
            case let other?:
                problems.append("'\(key)' must be a string, got \(RouteDecoder.kind(of: other))")
                return nil
            }
        }

        var path: String?
        if let text = text("path", example: "/freedompay/result", required: true) {
            if let problem = RouteDecoder.pathProblem(text) { problems.append(problem) } else { path = text }
        }

        var forwardTo: String?
        if let text = text("forwardTo", example: "http://127.0.0.1:8000/freedompay/result", required: true) {
            do {
                forwardTo = try UpstreamEndpoint(text).baseURL
            } catch {
                problems.append("forwardTo '\(text.prefix(64))': \(error.description)")
            }
        }

        var scriptName = text("scriptName", example: "result", required: false)
        if scriptName == nil, let path {
            let last = PGSignature.scriptName(ofPath: path)
            if last.isEmpty {
                problems.append("path \(path) ends with /: give 'scriptName', the last segment of the URL Freedom Pay calls")
            } else {
                scriptName = last
            }
        }
        // ";" separates the signed values, "/" and "?" end a script name ("Signature generation").
        if let name = scriptName,
            name.isEmpty || !name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x3B && $0 != 0x2F && $0 != 0x3F })
        {
            problems.append("scriptName '\(name.prefix(64))' must be visible ASCII without ';', '/' or '?'")
            scriptName = nil
        }

        var answer = CallbackAnswerMode.signedXML
        if let value = object["answer"] {
            if case .string(let name) = value, let mode = CallbackAnswerMode(rawValue: name) {
                answer = mode
            } else {
                problems.append(
                    "answer \(RouteDecoder.shown(value)) is not valid; valid: \(CallbackAnswerMode.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }

        var credentials = RouteCredentials()
        if let value = object["credentials"] {
            credentials = RouteDecoder.decodeCredentials(value, problems: &problems)
            // pg_sig is MD5 over the secret ("Signature generation"): no JWS algorithm or key id.
            if credentials.algorithm != nil || credentials.keyID != nil {
                problems.append("credentials: 'alg' and 'kid' do not apply to pg_sig callbacks; give authId, keyFile or keyEnv")
            }
        }

        guard let path, let forwardTo, let scriptName, problems.isEmpty else { return nil }
        return CallbackRoute(path: path, forwardTo: forwardTo, scriptName: scriptName, answer: answer, credentials: credentials)
    }
}
