import Synchronization

/// A fixed set of event loops; new connections are spread over them round-robin.
public final class EventLoopGroup: Sendable {
    public let loops: [EventLoop]
    private let nextIndex = Atomic(0)

    /// `count` loops; by default one per CPU this process may use (`AvailableCPUs`).
    public init(count: Int = AvailableCPUs.count) throws(SocketError) {
        var loops: [EventLoop] = []
        for index in 0..<max(1, count) { loops.append(try EventLoop(index: index)) }
        self.loops = loops
    }

    /// The loop for the next connection.
    public func next() -> EventLoop {
        let ticket = nextIndex.add(1, ordering: .relaxed).oldValue
        return loops[ticket % loops.count]
    }

    /// A process-wide group with the default loop count, for servers built without one
    /// (tests, the standalone sandbox).
    public static let shared: EventLoopGroup = {
        do {
            return try EventLoopGroup()
        } catch {
            fatalError("cannot create the shared event loops: \(error)")
        }
    }()
}
