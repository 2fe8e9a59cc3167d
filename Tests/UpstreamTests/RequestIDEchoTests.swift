import HTTP1
import Testing
import Upstream

private let requestID = "0197a000-0000-7000-8000-00000000abcd"

private func echo(_ fields: [(String, String)]) -> RequestIDEcho {
    RequestIDEcho(answerHeaders: fields.map { HTTPHeader(name: $0.0, value: $0.1) }, requestID: requestID)
}

@Suite("An answer's x-request-id against its request's")
struct RequestIDEchoTests {
    @Test("the same UUID matches, whatever the case of its hex digits and of the field name")
    func matches() {
        #expect(echo([("x-request-id", requestID)]) == .matches)
        #expect(echo([("X-Request-Id", "0197A000-0000-7000-8000-00000000ABCD")]) == .matches)
        #expect(echo([("Content-Type", "application/json"), ("x-request-id", "0197a000-0000-7000-8000-00000000AbCd")]) == .matches)
    }

    @Test("no x-request-id at all is missing")
    func missing() {
        #expect(echo([]) == .missing)
        #expect(echo([("x-request-status", "success")]) == .missing)
    }

    @Test(
        "another id, a value that is not a UUID in 8-4-4-4-12 form, or the field twice is another request's",
        arguments: [
            [("x-request-id", "0197a000-0000-7000-8000-00000000abce")],
            [("x-request-id", "0197a0000000700080000000000abcd")],
            [("x-request-id", "{0197a000-0000-7000-8000-00000000abcd}")],
            [("x-request-id", " 0197a000-0000-7000-8000-00000000abcd")],
            [("x-request-id", "0197a000-0000-7000-8000-00000000abcg")],
            [("x-request-id", "0197a000+0000-7000-8000-00000000abcd")],
            [("x-request-id", "")],
            [("x-request-id", requestID), ("x-request-id", requestID)],
            [("x-request-id", "\(requestID), \(requestID)")],
        ])
    func differs(fields: [(String, String)]) {
        #expect(echo(fields) == .differs)
    }
}
