import HTTP1

/// How an answer's `x-request-id` relates to the id its request carried.
///
/// Freedom Pay's Gateway API v5 pages (Async API: "edit payment.refund" and its siblings) mark
/// `x-request-id` required on every answer and say it equals the request's `X-Request-Id`. That
/// ties each answer to its request: in HTTP/1.1 a late duplicate of an earlier answer, arriving
/// on a reused connection after the next request went out, is otherwise indistinguishable from
/// the new answer.
public enum RequestIDEcho: Sendable, Equatable {
    /// Exactly one `x-request-id`, equal to the request's as a UUID (hex in either case).
    case matches
    /// No `x-request-id`: the answer is passed on, but its connection is not reused.
    case missing
    /// Another id, a value that is not a UUID, or the field more than once: the answer
    /// belongs to another request.
    case differs

    public init(answerHeaders: [HTTPHeader], requestID: String) {
        let echoed = answerHeaders.values(named: "x-request-id")
        if echoed.isEmpty {
            self = .missing
        } else if echoed.count == 1 && RequestIDEcho.sameUUID(echoed[0], requestID) {
            self = .matches
        } else {
            self = .differs
        }
    }

    /// Both are 8-4-4-4-12 hex UUIDs (RFC 9562 §4) with the same digits, compared ignoring
    /// ASCII case.
    static func sameUUID(_ first: String, _ second: String) -> Bool {
        let a = Array(first.utf8)
        let b = Array(second.utf8)
        guard a.count == 36, b.count == 36 else { return false }
        for index in 0..<36 {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard a[index] == UInt8(ascii: "-"), b[index] == UInt8(ascii: "-") else { return false }
            } else {
                guard let x = HTTPSyntax.hexValue(a[index]), let y = HTTPSyntax.hexValue(b[index]), x == y else { return false }
            }
        }
        return true
    }
}
