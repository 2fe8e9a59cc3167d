import Testing
@testable import HTTPServer

@Suite struct ReadDeadlinesTests {
    let second: UInt64 = 1_000_000_000

    @Test func idleConnectionExpiresAfterIdleTimeout() {
        let deadlines = ReadDeadlines(idleTimeoutNanoseconds: 60 * second, requestReadTimeoutNanoseconds: 10 * second, now: 100 * second)
        #expect(deadlines.expiry(at: 159 * second) == nil)
        #expect(deadlines.expiry(at: 160 * second) == .closeIdleConnection)
    }

    @Test func trickledBytesDoNotExtendTheRequestDeadline() {
        var deadlines = ReadDeadlines(idleTimeoutNanoseconds: 60 * second, requestReadTimeoutNanoseconds: 10 * second, now: 0)
        deadlines.requestBytesArrived(now: 5 * second)
        deadlines.requestBytesArrived(now: 9 * second)
        deadlines.requestBytesArrived(now: 14 * second)
        #expect(deadlines.deadline == 15 * second)
        #expect(deadlines.expiry(at: 15 * second) == .requestTimedOut)
    }

    @Test func respondingHasNoReadDeadlineAndNextRequestRestartsIdle() {
        var deadlines = ReadDeadlines(idleTimeoutNanoseconds: 60 * second, requestReadTimeoutNanoseconds: 10 * second, now: 0)
        deadlines.requestBytesArrived(now: 1 * second)
        deadlines.requestComplete()
        #expect(deadlines.deadline == nil)
        #expect(deadlines.expiry(at: 1000 * second) == nil)
        deadlines.waitForNextRequest(now: 1000 * second)
        #expect(deadlines.phase == .idle)
        #expect(deadlines.expiry(at: 1059 * second) == nil)
        #expect(deadlines.expiry(at: 1060 * second) == .closeIdleConnection)
    }
}
