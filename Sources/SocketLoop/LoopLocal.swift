/// One value per event loop of a group, each touched only on its own loop, so that hot-path
/// state (random bytes, counters) needs no lock. The table itself never changes after `init`.
public final class LoopLocal<Value: AnyObject>: @unchecked Sendable {
    private let values: [ObjectIdentifier: Value]
    private let loops: [EventLoop]

    public init(_ group: EventLoopGroup, make: (EventLoop) -> Value) {
        loops = group.loops
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

    /// Every loop with its value; read each value on its own loop (`EventLoop.execute`).
    public var all: [(loop: EventLoop, value: Value)] {
        loops.map { ($0, values[ObjectIdentifier($0)]!) }
    }
}
