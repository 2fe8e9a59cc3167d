import Synchronization

/// This process's memory of which operation each request id was forwarded for, so that a
/// key (or client `X-Request-Id`) reused for a different operation is refused (422
/// `idempotency_key_reused`) instead of being answered with the first operation's response.
///
/// Per replica and per process: Freedom Pay's own idempotency on `X-Request-Id` stays the
/// guarantee across replicas and restarts. An entry is written when a request is handed to
/// the upstream client (a refused request writes nothing) and holds only an
/// `OperationFingerprint`. Bounded by `limit` entries (the oldest is forgotten first) and
/// `maxAge`; expired entries are dropped lazily, on the next admission, so that no timer
/// wakes an idle process. Shared by every event loop (one short critical section per
/// forwarded request).
final class IdempotencyRecord: Sendable {
    enum Admission: Equatable, Sendable {
        /// Not seen (or forgotten): now recorded; forward it.
        case recorded
        /// The same operation again: a retry; forward it (Freedom Pay replays its answer).
        case sameOperation
        /// Another operation under this id: refuse it, forward nothing.
        case differentOperation
    }

    let limit: Int
    let maxAge: Duration
    private let state: Mutex<State>

    init(limit: Int, maxAge: Duration) {
        precondition(limit > 0)
        self.limit = limit
        self.maxAge = maxAge
        self.state = Mutex(State())
    }

    /// Records `fingerprint` under `requestID` unless the id already names an operation.
    /// `requestID` is a UUID (hex compared without case); `now` is injectable for tests.
    func admit(requestID: String, fingerprint: OperationFingerprint, now: ContinuousClock.Instant = .now) -> Admission {
        let id = RequestIDBits(requestID)
        return state.withLock { state in
            state.dropExpired(before: now - maxAge)
            if let entry = state.entries[id] {
                return entry.fingerprint == fingerprint ? .sameOperation : .differentOperation
            }
            while state.entries.count >= limit { state.dropOldest() }
            state.insert(id, Entry(fingerprint: fingerprint, recordedAt: now))
            return .recorded
        }
    }

    /// Entries held now (expired ones not yet dropped included).
    var count: Int { state.withLock { $0.entries.count } }

    private struct Entry: Sendable {
        var fingerprint: OperationFingerprint
        var recordedAt: ContinuousClock.Instant
    }

    /// Entries by id, and their ids in the order they were recorded (oldest at `head`):
    /// entries are never replaced, so that order is also their age order.
    private struct State: Sendable {
        var entries: [RequestIDBits: Entry] = [:]
        var order: [RequestIDBits] = []
        var head = 0

        mutating func insert(_ id: RequestIDBits, _ entry: Entry) {
            entries[id] = entry
            order.append(id)
        }

        mutating func dropExpired(before cutoff: ContinuousClock.Instant) {
            while head < order.count, let entry = entries[order[head]], entry.recordedAt <= cutoff { dropOldest() }
        }

        mutating func dropOldest() {
            guard head < order.count else { return }
            entries[order[head]] = nil
            head += 1
            // Reclaim the consumed prefix once it is half the buffer (amortized O(1)).
            if head >= 1024 && head * 2 >= order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }
}

/// A UUID's 128 bits, so that ids differing only in hex case are one id and an entry costs
/// 16 bytes instead of a 36-byte string.
struct RequestIDBits: Hashable, Sendable {
    var high: UInt64 = 0
    var low: UInt64 = 0

    /// `text` is a valid UUID (`UUIDText.isValid`).
    init(_ text: String) {
        var index = 0
        for byte in text.utf8 where byte != UInt8(ascii: "-") {
            let nibble: UInt8 =
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
                default: 0
                }
            if index < 16 { high = high << 4 | UInt64(nibble) } else if index < 32 { low = low << 4 | UInt64(nibble) }
            index += 1
        }
    }
}
