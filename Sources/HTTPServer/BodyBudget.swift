import Synchronization

/// The bytes of request bodies that all connections sharing it may hold at once
/// (`maxBufferedBodyBytes`). A connection reserves a body's declared `Content-Length` when
/// its head arrives (a chunked body as it grows) and returns it once the request is answered
/// or the connection closes. A reservation that does not fit is refused whole: the request
/// gets 503 `overloaded` instead of more memory.
///
/// When the last reservation after a burst is returned, `onBurstEnd` runs once (the server
/// gives freed memory back to the system there).
public final class BodyBudget: Sendable {
    public let capacity: Int
    /// How many bytes must have been held at once since the last `onBurstEnd` for a return to
    /// zero to count as the end of a burst.
    public let burstThreshold: Int
    private let state = Mutex(State())
    private let onBurstEnd: @Sendable () -> Void

    private struct State {
        var reserved = 0
        var peakSinceBurstEnd = 0
    }

    public init(capacity: Int, burstThreshold: Int = 1 << 20, onBurstEnd: @escaping @Sendable () -> Void = {}) {
        self.capacity = capacity
        self.burstThreshold = burstThreshold
        self.onBurstEnd = onBurstEnd
    }

    /// Bytes reserved now.
    public var reserved: Int { state.withLock { $0.reserved } }

    /// Reserves `bytes` if they fit; `false` (and nothing reserved) otherwise.
    public func reserve(_ bytes: Int) -> Bool {
        precondition(bytes >= 0)
        return state.withLock { state in
            guard bytes <= capacity - state.reserved else { return false }
            state.reserved += bytes
            state.peakSinceBurstEnd = max(state.peakSinceBurstEnd, state.reserved)
            return true
        }
    }

    /// Returns bytes reserved earlier.
    public func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        let burstEnded = state.withLock { state in
            precondition(bytes <= state.reserved, "released more than reserved")
            state.reserved -= bytes
            guard state.reserved == 0, state.peakSinceBurstEnd >= burstThreshold else { return false }
            state.peakSinceBurstEnd = 0
            return true
        }
        if burstEnded { onBurstEnd() }
    }
}
