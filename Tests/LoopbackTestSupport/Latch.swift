import Synchronization

/// A one-shot event carrying a value: `value()` returns it once `fulfill(_:)` has been
/// called, before or after. A waiting task that is cancelled gets `nil` at once: swift-testing
/// cancels a test that exceeds its time limit, and a wait that ignored that would hang the
/// whole run on one broken test instead of failing it.
public final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Value?, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Sets the value (the first call wins) and resumes every waiter with it.
    public func fulfill(_ value: Value) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value?, Never>] in
            guard state.value == nil else { return [] }
            state.value = value
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume(returning: value) }
    }

    /// Whether `fulfill(_:)` has been called.
    public var isFulfilled: Bool { state.withLock { $0.value != nil } }

    /// The value once fulfilled, or `nil` if the waiting task is cancelled first.
    public func value() async -> Value? {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now: Value?? = state.withLock { state in
                    if let value = state.value { return .some(value) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let now { continuation.resume(returning: now) }
                // A cancellation that came before the continuation was parked found nothing
                // to resume; this check catches it.
                if Task.isCancelled { cancel(id) }
            }
        } onCancel: {
            cancel(id)
        }
    }

    private func cancel(_ id: Int) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
    }
}

/// A one-shot async latch: `wait()` returns once `open()` has been called, before or after,
/// or once the waiting task is cancelled (see `OneShot`).
public final class Latch: Sendable {
    private let event = OneShot<Void>()

    public init() {}

    public func wait() async { _ = await event.value() }

    public func open() { event.fulfill(()) }
}
