// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "freedompay-sidecar",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "freedompay-sidecar", targets: ["freedompay-sidecar"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // HTTP/1.1 request parser and response serializer over bytes; no sockets.
        .target(name: "HTTP1"),
        // epoll, timerfd and CPU affinity, which Glibc's Swift module does not export.
        .target(name: "CLinuxEvents"),
        // Event loops, listeners and connections on Dispatch and epoll; no HTTP.
        .target(name: "SocketLoop", dependencies: ["CLinuxEvents"]),
        // HTTP/1.1 connections: the parser driven by the socket loop, timeouts, drain.
        .target(name: "HTTPServer", dependencies: ["HTTP1", "SocketLoop"]),
        // Freedom Pay's detached JWS: header, signing, verification, key loading.
        .target(
            name: "FreedomPayJWS",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // OpenSSL's libssl and libcrypto, with C wrappers for what OpenSSL 3 spells as macros.
        .target(name: "COpenSSL", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        // The upstream HTTP/1.1 client on the event loops, TLS through OpenSSL.
        .target(name: "Upstream", dependencies: ["COpenSSL", "HTTP1", "SocketLoop"]),
        // The strict JSON parser and the compact writer, shared by the sidecar and the sandbox.
        .target(name: "JSONCore"),
        // The Merchant API's pg_sig, its strict form reader and its small XML reader and writer.
        .target(name: "MerchantAPI", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // The in-memory Freedom Pay g2g emulator: a second upstream, not part of the proxy.
        .target(
            name: "Sandbox", dependencies: ["HTTP1", "HTTPServer", "FreedomPayJWS", "Upstream", "SocketLoop", "JSONCore", "MerchantAPI"]),
        // Routes, policy, request ids, proxy, admin, config, logs, metrics.
        .target(
            name: "Sidecar",
            dependencies: [
                "HTTP1", "HTTPServer", "SocketLoop", "FreedomPayJWS", "Upstream", "CLinuxEvents", "JSONCore", "Sandbox", "MerchantAPI",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "freedompay-sidecar",
            dependencies: [
                "Sidecar",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1", "LoopbackTestSupport"]),
        // Blocking loopback clients and servers for integration tests.
        .target(
            name: "LoopbackTestSupport",
            dependencies: [
                "COpenSSL", "HTTP1", "HTTPServer", "SocketLoop", .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/LoopbackTestSupport",
            resources: [.copy("Conformance")]
        ),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "HTTP1", "SocketLoop", "LoopbackTestSupport"]),
        .testTarget(name: "FreedomPayJWSTests", dependencies: ["FreedomPayJWS", "LoopbackTestSupport"]),
        .testTarget(name: "UpstreamTests", dependencies: ["Upstream", "HTTP1", "LoopbackTestSupport"]),
        // Runs the built executable as a real process: signals, key rotation, drain, CLI.
        .testTarget(name: "ProcessTests", dependencies: ["freedompay-sidecar", "Sidecar", "FreedomPayJWS", "HTTP1", "HTTPServer", "SocketLoop", "LoopbackTestSupport"]),
        .testTarget(name: "SidecarTests", dependencies: ["Sidecar", "Sandbox", "JSONCore", "HTTP1", "HTTPServer", "SocketLoop", "FreedomPayJWS", "Upstream", "LoopbackTestSupport", "MerchantAPI"]),
        .testTarget(name: "MerchantAPITests", dependencies: ["MerchantAPI"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "JSONCore", "FreedomPayJWS", "HTTP1", "Upstream"]),
    ],
    swiftLanguageModes: [.v6]
)
