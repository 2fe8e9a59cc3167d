import Testing

@testable import HTTPServer

@Suite struct ReadDeadlinesTests {
    let second: UInt64 = 1_000_000_000

    func make(acceptedAt: UInt64) -> ReadDeadlines {
        ReadDeadlines(
            idleTimeoutNanoseconds: 60 * second, requestReadTimeoutNanoseconds: 10 * second, silenceGraceNanoseconds: 1 * second,
            now: acceptedAt)
    }

    @Test func newConnectionThatSendsNothingIsClosedSilentlyAtTheHeaderTimeoutFromAccept() {
        let deadlines = make(acceptedAt: 100 * second)
        #expect(deadlines.deadline == 110 * second)
        #expect(deadlines.expiry(at: 109 * second) == nil)
        #expect(deadlines.expiry(at: 110 * second) == .closeSilently)
    }

    @Test func newConnectionWithPartOfAHeadGets408AtTheHeaderTimeoutFromAccept() {
        var deadlines = make(acceptedAt: 100 * second)
        // The first byte comes late; the deadline stays the one counted from accept.
        deadlines.requestBytesArrived(now: 108 * second)
        #expect(deadlines.deadline == 110 * second)
        #expect(deadlines.expiry(at: 110 * second) == .requestTimedOut)
    }

    @Test func trickledBytesDoNotExtendTheRequestDeadline() {
        var deadlines = make(acceptedAt: 0)
        deadlines.requestBytesArrived(now: 1 * second)
        deadlines.requestComplete()
        deadlines.waitForNextRequest(now: 2 * second)
        deadlines.requestBytesArrived(now: 5 * second)
        deadlines.requestBytesArrived(now: 9 * second)
        deadlines.requestBytesArrived(now: 14 * second)
        #expect(deadlines.deadline == 15 * second)
        #expect(deadlines.expiry(at: 15 * second) == .requestTimedOut)
    }

    @Test func keptAliveConnectionIsClosedSilentlyAfterTheIdleTimeoutFromTheAnswer() {
        var deadlines = make(acceptedAt: 0)
        deadlines.requestBytesArrived(now: 1 * second)
        deadlines.requestComplete()
        #expect(deadlines.deadline == nil)
        #expect(deadlines.expiry(at: 1000 * second) == nil)
        deadlines.waitForNextRequest(now: 1000 * second)
        #expect(deadlines.phase == .idle(since: 1000 * second, deadline: 1060 * second))
        #expect(deadlines.expiry(at: 1059 * second) == nil)
        #expect(deadlines.expiry(at: 1060 * second) == .closeSilently)
    }

    @Test func silentNewConnectionBecomesEvictableAfterTheGrace() {
        let deadlines = make(acceptedAt: 100 * second)
        #expect(deadlines.evictableSince == 101 * second)
    }

    @Test func idleConnectionIsEvictableFromTheEndOfItsAnswerAndBusyOneIsNot() {
        var deadlines = make(acceptedAt: 0)
        deadlines.requestBytesArrived(now: 0)
        #expect(deadlines.evictableSince == nil)
        deadlines.requestComplete()
        #expect(deadlines.evictableSince == nil)
        deadlines.waitForNextRequest(now: 7 * second)
        #expect(deadlines.evictableSince == 7 * second)
        deadlines.requestBytesArrived(now: 8 * second)
        #expect(deadlines.evictableSince == nil)
    }
}
