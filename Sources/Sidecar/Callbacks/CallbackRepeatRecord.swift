import Crypto
import Synchronization

/// The signed contents of the last `capacity` forwarded callbacks, so that a callback Freedom
/// Pay repeats ("The store must be prepared for the Result URL to be called repeatedly",
/// "Result notify") reaches the app marked `X-FreedomPay-Repeat: true`. Per process and
/// bounded: the oldest entry is forgotten first (digests from `CallbackSignature.contentDigest`); a replica that never saw the first delivery
/// forwards a repeat unmarked, so the app stays the judge of idempotency.
final class CallbackRepeatRecord: Sendable {
    let capacity: Int
    private let state: Mutex<State>

    private struct State {
        var seen: Set<SHA256Digest> = []
        /// Insertion order, as a ring of `capacity` slots.
        var order: [SHA256Digest] = []
        var next = 0
    }

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        state = Mutex(State())
    }

    /// Records `digest`; returns whether it was already recorded.
    func recordAndCheck(_ digest: SHA256Digest) -> Bool {
        state.withLock { state in
            guard !state.seen.contains(digest) else { return true }
            if state.order.count < capacity {
                state.order.append(digest)
            } else {
                state.seen.remove(state.order[state.next])
                state.order[state.next] = digest
                state.next = (state.next + 1) % capacity
            }
            state.seen.insert(digest)
            return false
        }
    }

    var count: Int { state.withLock { $0.seen.count } }
}
