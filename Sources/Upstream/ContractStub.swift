// TEMPORARY: contract stand-in until the libcurl client lands. Not to be committed.
public struct HTTPHeaderField: Sendable, Equatable { public var name: String; public var value: String; public init(name: String, value: String) { self.name = name; self.value = value } }
public struct UpstreamRequest: Sendable { public var method: String; public var url: String; public var headers: [HTTPHeaderField]; public var body: [UInt8]
  public init(method: String, url: String, headers: [HTTPHeaderField], body: [UInt8]) { self.method = method; self.url = url; self.headers = headers; self.body = body } }
public struct UpstreamResponse: Sendable { public var status: Int; public var headers: [HTTPHeaderField]; public var body: [UInt8]; public var attempts: Int
  public init(status: Int, headers: [HTTPHeaderField], body: [UInt8], attempts: Int = 1) { self.status = status; self.headers = headers; self.body = body; self.attempts = attempts } }
public enum UpstreamError: Error, Sendable, Equatable { case unreachable(String), timedOut(String), brokenResponse(String), overloaded
  public var kind: String { switch self { case .unreachable: "unreachable"; case .timedOut: "timeout"; case .brokenResponse: "broken"; case .overloaded: "overloaded" } } }
public protocol UpstreamClient: Sendable { func send(_ request: UpstreamRequest) async throws(UpstreamError) -> UpstreamResponse }
public struct UpstreamEndpointError: Error, Sendable { public var message: String }
public struct UpstreamEndpoint: Sendable { public let baseURL: String; public init(_ url: String) throws(UpstreamEndpointError) { baseURL = url } }
public final class CurlUpstreamClient: UpstreamClient, @unchecked Sendable {
  public struct Configuration: Sendable { public var connectTimeout = 5.0; public var totalTimeout = 30.0; public var maxConcurrentTransfers = 64; public var maxQueuedTransfers = 1024; public var maxResponseBytes = 4 << 20; public var retriesBeforeResponse = 1; public var caBundlePath: String? = nil; public var pinnedPublicKey: String? = nil; public var verbose = false; public init() {} }
  public init(configuration: Configuration) throws {}
  public func send(_ request: UpstreamRequest) async throws(UpstreamError) -> UpstreamResponse { throw .unreachable("stub") }
  public func shutdown() {}
}
