/// A TLS configuration that cannot be used: an unreadable CA bundle, a malformed pin.
public struct TLSSetupError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
