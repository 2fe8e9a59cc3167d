import HTTPServer

/// Starts `server`, runs `body` with it, then stops it (closing every connection it has)
/// whether `body` returns or throws. Throws if a connection is still open after the stop.
public func withStartedServer<Result>(
    _ server: HTTPServer, isolation: isolated (any Actor)? = #isolation, _ body: (HTTPServer) async throws -> Result
) async throws -> Result {
    server.start()
    let result: Result
    do {
        result = try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
    let left = server.openConnectionCount
    guard left == 0 else { throw LoopbackClientError("\(left) connection(s) to \(server.address) still open after stop()") }
    return result
}
