import HTTP1
import HTTPServer

/// Serves the emulator over HTTP, for `freedompay-sidecar sandbox` (its own listener).
public struct SandboxResponder: HTTPResponder {
    let emulator: SandboxEmulator
    /// The payment page and its Result callback, when the sandbox serves one.
    let checkout: SandboxCheckout?

    public init(emulator: SandboxEmulator, checkout: SandboxCheckout? = nil) {
        self.emulator = emulator
        self.checkout = checkout
    }

    public func respond(to request: HTTPRequest, writer: HTTPResponseWriter) {
        if let checkout, SandboxCheckout.handles(path: String(request.head.path)) {
            checkout.respond(method: request.head.method, target: request.head.target, body: request.body, on: writer.loop) {
                writer.send($0)
            }
            return
        }
        let answer = emulator.handle(
            method: request.head.method, path: String(request.head.path), headers: request.head.headers, body: request.body)
        if let checkout, request.head.path == "/init_payment.php", answer.status == 200,
            let contentType = request.head.headers.first(named: "Content-Type")
        {
            checkout.recordInit(requestBody: request.body, contentType: contentType, answer: answer.body)
        }
        writer.send(HTTPResponse(status: answer.status, headers: answer.headers, body: answer.body))
    }

    public func response(for failure: HTTPServerFailure) -> HTTPResponse {
        SandboxAnswer.failure(failure)
    }
}
