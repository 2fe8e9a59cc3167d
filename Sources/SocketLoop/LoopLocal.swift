/// One value per event loop of a group, each touched only on its own loop, so that hot-path
/// state (random bytes, counters) needs no lock. The table itself never changes after `init`.
public final class LoopLocal<Value: AnyObject>: @unchecked Sendable {
    private let values: [ObjectIdentifier: Value]

    public init(_ group: EventLoopGroup, make: (EventLoop) -> Value) {
        var values: [ObjectIdentifier: Value] = [:]
        for loop in group.loops { values[ObjectIdentifier(loop)] = make(loop) }
        self.values = values
    }

    /// The value of `loop`; use it only on that loop.
    public subscript(loop: EventLoop) -> Value {
        guard let value = values[ObjectIdentifier(loop)] else {
            preconditionFailure("LoopLocal read from a loop outside its group")
        }
        return value
    }

    /// Every loop's value, to be read on its own loop (`EventLoop.execute`).
    public var all: [(loop: EventLoopID, value: Value)] {
        values.map { (EventLoopID(rawValue: $0.key), $0.value) }
    }
}

/// Identifies a loop in `LoopLocal.all`.
public struct EventLoopID: Hashable, Sendable {
    let rawValue: ObjectIdentifier
}
