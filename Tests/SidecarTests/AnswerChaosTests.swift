import Foundation
import LoopbackTestSupport
import Synchronization
import Testing

@testable import Sidecar

/// What a chaos run saw, over all its callers.
private struct ChaosTally: Sendable {
    var answered = 0
    var sidecarErrors: [String: Int] = [:]
    /// Answers that broke the guarantee (at most a few kept, with the count).
    var violations: [String] = []
    var violationCount = 0

    mutating func violation(_ text: String) {
        violationCount += 1
        if violations.count < 10 { violations.append(text) }
    }

    var total: Int { answered + sidecarErrors.values.reduce(0, +) + violationCount }
}

/// The chaos run's size and seed: `SIDECAR_CHAOS_REQUESTS` (per transport) and
/// `SIDECAR_CHAOS_SEED` set them for the long run (`scripts/chaos-run.sh`); the defaults are
/// the short run in `swift test`.
private enum ChaosRun {
    static let callers = 32
    static var requests: Int { ProcessInfo.processInfo.environment["SIDECAR_CHAOS_REQUESTS"].flatMap { Int($0) } ?? 640 }
    static var seed: UInt64 { ProcessInfo.processInfo.environment["SIDECAR_CHAOS_SEED"].flatMap { UInt64($0) } ?? 20_261_204 }
}

/// A chaos upstream (README "What the sidecar guarantees about answers"): 32 callers over 2 event
/// loops, each with its own refunds (its own body and `Idempotency-Key`), through a pool of 8
/// upstream connections that a third of the answers try to poison. Every answer without
/// `X-Sidecar-Error` must be the caller's own (its id and body); every other one a sidecar
/// error whose JSON code is the header's.
@Suite("Chaos upstream: no caller receives another caller's answer", .timeLimit(.minutes(60)))
struct AnswerChaosTests {
    @Test("32 callers, 2 event loops, a chaos upstream", arguments: ["plain", "tls"])
    func chaos(transport: String) async throws {
        let seed = ChaosRun.seed
        let perCaller = max(1, ChaosRun.requests / ChaosRun.callers)
        let run = { (identity: TestIdentity?, bundle: String?) async throws in
            let upstream = try ChaosUpstream(tls: identity, seed: seed)
            defer { upstream.stop() }
            let started = ContinuousClock.now
            let tally = try await withSidecar(inFrontOf: upstream, caBundlePath: bundle, eventLoops: 2, maxConcurrentUpstream: 8) {
                sidecar in
                try await Self.callers(ChaosRun.callers, requests: perCaller, seed: seed, to: sidecar)
            }
            let elapsed = ContinuousClock.now - started
            print(
                "chaos \(transport): seed \(seed), \(tally.total) requests by \(ChaosRun.callers) callers in \(elapsed): "
                    + "\(tally.answered) answered by the upstream, sidecar errors \(tally.sidecarErrors.sorted { $0.key < $1.key }), "
                    + "\(tally.violationCount) crossed or mislabelled; upstream: \(upstream.answerCount) answers on "
                    + "\(upstream.connectionCount) connections, actions \(upstream.actionCountsByName.sorted { $0.key < $1.key })")
            #expect(tally.violationCount == 0, "seed \(seed): \(tally.violations)")
            #expect(tally.total == ChaosRun.callers * perCaller)
            #expect(tally.answered * 2 >= tally.total, "seed \(seed): fewer than half answered")
            // The chaos did happen: far more connections than the pool's 8.
            #expect(upstream.connectionCount > 8)
        }
        if transport == "tls" {
            try await withTestPKI { pki in try await run(pki.valid, pki.caBundlePath) }
        } else {
            try await run(nil, nil)
        }
    }

    /// `count` callers at once, each on its own connection to the sidecar, each sending
    /// `requests` refunds one after another.
    private static func callers(_ count: Int, requests: Int, seed: UInt64, to sidecar: Sidecar) async throws -> ChaosTally {
        try await withThrowingTaskGroup(of: ChaosTally.self) { group in
            for caller in 0..<count {
                group.addTask {
                    var tally = ChaosTally()
                    var client = try LoopbackClient(sidecar.address)
                    for number in 0..<requests {
                        let refund = KeyedRefund(caller: caller, number: number, tag: "chaos-\(seed)")
                        try await client.send(refund.request)
                        let response = try await client.readResponse()
                        if let code = response.header("X-Sidecar-Error") {
                            if sidecarErrorCode(response) == code && response.status >= 500
                                && response.header("X-Request-Id") == refund.requestID
                            {
                                tally.sidecarErrors[code, default: 0] += 1
                            } else {
                                tally.violation("caller \(caller) #\(number): \(response.status) \(code) \(response.bodyText)")
                            }
                        } else if refund.isAnswered(by: response) {
                            tally.answered += 1
                        } else {
                            tally.violation(
                                "caller \(caller) #\(number) got \(response.status) x-request-id \(response.header("x-request-id") ?? "-") "
                                    + "\(response.bodyText), expected \(refund.requestID) \(refund.body)")
                        }
                        if response.header("Connection")?.lowercased() == "close" { client = try LoopbackClient(sidecar.address) }
                    }
                    return tally
                }
            }
            var total = ChaosTally()
            for try await tally in group {
                total.answered += tally.answered
                total.sidecarErrors.merge(tally.sidecarErrors, uniquingKeysWith: +)
                total.violationCount += tally.violationCount
                total.violations += tally.violations.prefix(10 - min(10, total.violations.count))
            }
            return total
        }
    }
}
