/// The timeouts of one connection as a pure state machine over a monotonic clock in
/// nanoseconds, so tests drive it with a fake clock and the connection only arms one timer.
///
/// - new connection: the first request must be complete `requestReadTimeout` after accept;
///   a peer that sent nothing by then is closed silently, one that sent part of it gets 408.
/// - idle (kept alive, between requests): `idleTimeout` from the end of the previous answer,
///   then the connection closes silently.
/// - reading a later request (first byte to last body byte): `requestReadTimeout`, then 408.
/// - responding: no read deadline; the upstream timeout bounds this phase.
///
/// It also says when a connection may be closed to make room for a new one (`evictableSince`):
/// idle between requests at once, a new connection once it has sent nothing for `silenceGrace`.
public struct ReadDeadlines: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        /// Accepted at `acceptedAt`; no byte yet.
        case awaitingFirstRequest(acceptedAt: UInt64, deadline: UInt64)
        /// Between requests since `since`; no byte of the next one yet.
        case idle(since: UInt64, deadline: UInt64)
        case readingRequest(deadline: UInt64)
        case responding
    }

    public enum Expiry: Sendable, Equatable {
        /// Nothing of a request was sent: close without an answer.
        case closeSilently
        case requestTimedOut
    }

    public let idleTimeout: UInt64
    public let requestReadTimeout: UInt64
    /// How long a new connection may stay silent before it counts as evictable.
    public let silenceGrace: UInt64
    public private(set) var phase: Phase

    public init(
        idleTimeoutNanoseconds: UInt64, requestReadTimeoutNanoseconds: UInt64, silenceGraceNanoseconds: UInt64 = 1_000_000_000, now: UInt64
    ) {
        idleTimeout = idleTimeoutNanoseconds
        requestReadTimeout = requestReadTimeoutNanoseconds
        silenceGrace = silenceGraceNanoseconds
        phase = .awaitingFirstRequest(acceptedAt: now, deadline: now + requestReadTimeoutNanoseconds)
    }

    /// When the current phase expires, or `nil` when it cannot.
    public var deadline: UInt64? {
        switch phase {
        case .awaitingFirstRequest(_, let deadline), .idle(_, let deadline), .readingRequest(let deadline): deadline
        case .responding: nil
        }
    }

    /// The answer was sent and the connection is kept alive.
    public mutating func waitForNextRequest(now: UInt64) {
        phase = .idle(since: now, deadline: now + idleTimeout)
    }

    /// A byte of a request arrived. Later bytes do not extend the deadline, so a client
    /// trickling bytes (slowloris) still times out; a new connection's deadline stays the one
    /// counted from accept.
    public mutating func requestBytesArrived(now: UInt64) {
        switch phase {
        case .awaitingFirstRequest(_, let deadline): phase = .readingRequest(deadline: deadline)
        case .idle: phase = .readingRequest(deadline: now + requestReadTimeout)
        case .readingRequest, .responding: break
        }
    }

    public mutating func requestComplete() {
        phase = .responding
    }

    /// What to do if the clock reads `now`; `nil` when nothing has expired.
    public func expiry(at now: UInt64) -> Expiry? {
        guard let deadline, now >= deadline else { return nil }
        switch phase {
        case .awaitingFirstRequest, .idle: return .closeSilently
        case .readingRequest, .responding: return .requestTimedOut
        }
    }

    /// From when on the connection may be closed for a newcomer at the connection limit, or
    /// `nil` while it is reading or answering a request. Oldest first: the smallest value.
    public var evictableSince: UInt64? {
        switch phase {
        case .awaitingFirstRequest(let acceptedAt, _): acceptedAt + silenceGrace
        case .idle(let since, _): since
        case .readingRequest, .responding: nil
        }
    }
}
