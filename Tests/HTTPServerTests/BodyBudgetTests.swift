import Synchronization
import Testing

@testable import HTTPServer

@Suite struct BodyBudgetTests {
    @Test func reservationThatDoesNotFitIsRefusedWhole() {
        let budget = BodyBudget(capacity: 100)
        #expect(budget.reserve(60))
        #expect(!budget.reserve(41))
        #expect(budget.reserved == 60)
        #expect(budget.reserve(40))
        #expect(budget.reserved == 100)
        budget.release(60)
        #expect(budget.reserved == 40)
    }

    @Test func returningToZeroAfterABurstRunsTheCallbackOnce() {
        let ends = Mutex(0)
        let budget = BodyBudget(capacity: 100, burstThreshold: 50) { ends.withLock { $0 += 1 } }
        #expect(budget.reserve(10))
        budget.release(10)
        #expect(ends.withLock { $0 } == 0)
        #expect(budget.reserve(30))
        #expect(budget.reserve(30))
        budget.release(30)
        #expect(ends.withLock { $0 } == 0)
        budget.release(30)
        #expect(ends.withLock { $0 } == 1)
        #expect(budget.reserve(10))
        budget.release(10)
        #expect(ends.withLock { $0 } == 1)
    }
}
