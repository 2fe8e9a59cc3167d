import JSONCore

/// The app's answer to a `signed-xml` callback, read strictly: a JSON object with
/// `pg_status` `ok`, `rejected` or `error` ("Check request", "Result notify"), an optional
/// `pg_description`, and whatever other flat fields that callback documents. The sidecar
/// adds `pg_salt` and `pg_sig`, so the app may not send them.
struct CallbackAppAnswer: Equatable, Sendable {
    /// In answer order: `pg_status`, `pg_description`, then the rest by name.
    var fields: [(name: String, value: String)]

    static func == (lhs: CallbackAppAnswer, rhs: CallbackAppAnswer) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    static let statuses = ["ok", "rejected", "error"]

    /// Why an answer was refused; names fields, never their values.
    struct Refusal: Error, Equatable, Sendable {
        var reason: String
    }

    static func parse(_ body: [UInt8]) throws(Refusal) -> CallbackAppAnswer {
        let value: JSONValue
        do {
            value = try StrictJSON.parse(body)
        } catch {
            throw Refusal(reason: "the app's answer is not JSON (\(error.message) at byte \(error.offset))")
        }
        guard case .object(let object) = value else { throw Refusal(reason: "the app's answer is not a JSON object") }
        guard case .string(let status)? = object["pg_status"], statuses.contains(status) else {
            throw Refusal(reason: "the app's answer needs pg_status \(statuses.joined(separator: ", "))")
        }
        var rest: [(name: String, value: String)] = []
        for (name, field) in object where name != "pg_status" {
            guard name != "pg_salt", name != "pg_sig" else { throw Refusal(reason: "the app may not send \(name); the sidecar sets it") }
            guard isFieldName(name) else { throw Refusal(reason: "field name '\(name.prefix(64))' is not [A-Za-z][A-Za-z0-9_]{0,63}") }
            switch field {
            case .string(let text): rest.append((name, text))
            case .number(let literal): rest.append((name, literal))
            default: throw Refusal(reason: "field \(name) must be a string or a number")
            }
        }
        rest.sort { ($0.name == "pg_description" ? "" : $0.name) < ($1.name == "pg_description" ? "" : $1.name) }
        return CallbackAppAnswer(fields: [("pg_status", status)] + rest)
    }

    /// A name that is an XML element name and an unambiguous form field name.
    static func isFieldName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count), isLetter(bytes[0]) else { return false }
        return bytes.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) }
}
