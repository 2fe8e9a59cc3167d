import HTTP1
import HTTPServer
import Synchronization

/// Whether the sidecar should receive traffic.
public final class Readiness: Sendable {
    private let draining = Atomic(false)

    public init() {}

    public var isDraining: Bool { draining.load(ordering: .relaxed) }
    public func startDraining() { draining.store(true, ordering: .relaxed) }
}

/// The admin listener: `/healthz` (alive), `/readyz` (can sign and forward), `/metrics`,
/// `/openapi.yaml` (the local API's description, embedded at build time).
struct AdminResponder: HTTPResponder {
    let readiness: Readiness
    let metrics: SidecarMetrics
    let keyStore: KeyStore
    let upstreamConfigured: Bool
    /// The upstream is the in-process emulator: `/readyz` says so, so that nobody mistakes it for production.
    let sandbox: Bool

    func respond(to request: HTTPRequest, writer: HTTPResponseWriter) {
        guard request.head.path == "/metrics", request.head.method == "GET" || request.head.method == "HEAD" else {
            writer.send(response(to: request))
            return
        }
        // Each loop's counters are read on that loop, so the exposition is asynchronous.
        let metrics = self.metrics
        Task {
            let body = await metrics.exposition()
            writer.send(HTTPResponse(status: 200, headers: [HTTPHeader(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")], body: body))
        }
    }

    func response(to request: HTTPRequest) -> HTTPResponse {
        guard request.head.method == "GET" || request.head.method == "HEAD" else {
            return SidecarError.methodNotAllowed("GET").response()
        }
        switch request.head.path {
        case "/healthz":
            return text(200, "ok\n")
        case "/readyz":
            // The key store never holds a missing key: start-up refuses that, and rotation keeps the old key.
            _ = keyStore.key
            if readiness.isDraining { return text(503, "draining\n") }
            if !upstreamConfigured { return text(503, "no upstream\n") }
            return text(200, sandbox ? "ready (upstream: sandbox emulator, nothing reaches Freedom Pay)\n" : "ready\n")
        case "/openapi.yaml":
            return HTTPResponse(status: 200, headers: [HTTPHeader(name: "Content-Type", value: "application/yaml")], body: Self.openAPIBody)
        default:
            return SidecarError.unknownRoute.response()
        }
    }

    /// `openapi.yaml`'s bytes (see `scripts/generate-openapi-swift.sh`).
    private static let openAPIBody = Array(OpenAPIDocument.yaml.utf8)

    func response(for failure: HTTPServerFailure) -> HTTPResponse {
        SidecarError.from(failure).response()
    }

    private func text(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [HTTPHeader(name: "Content-Type", value: "text/plain; charset=utf-8")], body: Array(body.utf8))
    }
}
