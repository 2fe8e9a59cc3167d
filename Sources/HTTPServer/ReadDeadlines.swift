/// The timeouts of one connection as a pure state machine over a monotonic clock in
/// nanoseconds, so tests drive it with a fake clock and the connection only arms one timer.
///
/// - idle (between requests): `idleTimeout`, then the connection closes silently.
/// - reading a request (first byte to last body byte): `requestReadTimeout`, then 408.
/// - responding: no read deadline; the upstream timeout bounds this phase.
public struct ReadDeadlines: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        case idle
        case readingRequest
        case responding
    }

    public enum Expiry: Sendable, Equatable {
        case closeIdleConnection
        case requestTimedOut
    }

    public let idleTimeout: UInt64
    public let requestReadTimeout: UInt64
    public private(set) var phase = Phase.idle
    /// When the current phase expires, or `nil` when it cannot.
    public private(set) var deadline: UInt64?

    public init(idleTimeoutNanoseconds: UInt64, requestReadTimeoutNanoseconds: UInt64, now: UInt64) {
        idleTimeout = idleTimeoutNanoseconds
        requestReadTimeout = requestReadTimeoutNanoseconds
        deadline = now + idleTimeout
    }

    public mutating func waitForNextRequest(now: UInt64) {
        phase = .idle
        deadline = now + idleTimeout
    }

    /// The first byte of a request arrived. Later bytes do not extend the deadline,
    /// so a client trickling bytes (slowloris) still times out.
    public mutating func requestBytesArrived(now: UInt64) {
        guard phase == .idle else { return }
        phase = .readingRequest
        deadline = now + requestReadTimeout
    }

    public mutating func requestComplete() {
        phase = .responding
        deadline = nil
    }

    /// What to do if the clock reads `now`; `nil` when nothing has expired.
    public func expiry(at now: UInt64) -> Expiry? {
        guard let deadline, now >= deadline else { return nil }
        return phase == .idle ? .closeIdleConnection : .requestTimedOut
    }
}
