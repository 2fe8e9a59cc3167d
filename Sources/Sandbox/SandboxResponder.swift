import HTTP1
import HTTPServer

/// Serves the emulator over HTTP, for `freedompay-sidecar sandbox` (its own listener).
public struct SandboxResponder: HTTPResponder {
    let emulator: SandboxEmulator

    public init(emulator: SandboxEmulator) {
        self.emulator = emulator
    }

    public func respond(to request: HTTPRequest, writer: HTTPResponseWriter) {
        let answer = emulator.handle(
            method: request.head.method, path: String(request.head.path), headers: request.head.headers, body: request.body)
        writer.send(HTTPResponse(status: answer.status, headers: answer.headers, body: answer.body))
    }

    public func response(for failure: HTTPServerFailure) -> HTTPResponse {
        SandboxAnswer.failure(failure)
    }
}
