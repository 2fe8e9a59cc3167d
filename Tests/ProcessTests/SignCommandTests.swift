import Foundation
import LoopbackTestSupport
import Testing

/// Runs `freedompay-sidecar` with `arguments`, `stdin` and `environment` (FREEDOMPAY_* of
/// the test process removed); returns the exit status, stdout and stderr.
func runSidecar(_ arguments: [String], stdin: String = "", environment: [String: String] = [:]) async throws -> (Int32, String, String) {
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FREEDOMPAY_") }
    env.merge(environment) { $1 }
    let result = try await ChildProcess.run(sidecarExecutable, arguments: arguments, environment: env, standardInput: Array(stdin.utf8))
    return (result.status, result.standardOutput, result.standardError)
}

/// Freedom Pay's published Card API vector (HS512, key "secret").
let cardAPIBody = #"{"request_id":"828cf71d-a447-4a67-a149-c1df8bc197ca"}"#
let cardAPISignatureTail = "..f1sQoeIpX_ZjOaykQzSeylvvKaVrEQV4gNM2ACFbEMkFDUV9Zk5WO1yQGEWez-vnQMVHodLBDVEyh5Xm2-3MjQ\n"

/// Freedom Pay's published Invoice API vector (Merchant API "Invoicing", signature
/// generation example): header `{"path":"/v5/merchant/invoice/init","merchant_id":123456,
/// "method":"POST","params":"","alg":"HS512"}`, key `secret_key`, this body.
let invoiceBody =
    #"{"order_id":"828cf71d-a447-4a67-a149-c1df8bc197ca","merchant_id":123456,"amount":100,"description":"Счет за услуги","invoice_method":"qr","currency":"KZT"}"#
let invoiceSignature =
    "eyJwYXRoIjoiL3Y1L21lcmNoYW50L2ludm9pY2UvaW5pdCIsIm1lcmNoYW50X2lkIjoxMjM0NTYsIm1ldGhvZCI6IlBPU1QiLCJwYXJhbXMiOiIiLCJhbGciOiJIUzUxMiJ9..wCwFCAmxN0nbTm6mad8GxowIjgkCwfF7IAy2ijO9thLjsZFXnS4K_I4NPnXjkTFTMnEzqjk8rtIVmtf7NbGyvg\n"

@Suite(.timeLimit(.minutes(1))) struct SignCommandTests {
    @Test func signReadsTheSameEnvironmentAsServe() async throws {
        let (status, printed, errors) = try await runSidecar(
            ["sign", "--uri", "/v5/card-api/request/status"], stdin: cardAPIBody,
            environment: ["FREEDOMPAY_AUTH_ID": "123456", "FREEDOMPAY_ALG": "HS512", "FREEDOMPAY_KEY": "secret"])
        #expect(status == 0, "\(errors)")
        #expect(printed.hasSuffix(cardAPISignatureTail))
        #expect(printed.split(separator: "\n").count == 1)
    }

    @Test func signWithTheInvoiceLayoutReproducesFreedomPaysInvoiceExample() async throws {
        let (status, printed, errors) = try await runSidecar(
            ["sign", "--uri", "/v5/merchant/invoice/init", "--header-layout", "invoice", "--auth-id", "123456", "--alg", "HS512"],
            stdin: invoiceBody, environment: ["FREEDOMPAY_KEY": "secret_key"])
        #expect(status == 0, "\(errors)")
        #expect(printed == invoiceSignature)
    }

    @Test func theInvoicePresetReproducesFreedomPaysInvoiceExample() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let preset = root.appendingPathComponent("config/invoice.json").path
        let (status, printed, errors) = try await runSidecar(
            ["sign", "--config", preset, "--route", "/v5/merchant/invoice/init", "--auth-id", "123456"],
            stdin: invoiceBody, environment: ["FREEDOMPAY_KEY": "secret_key"])
        #expect(status == 0, "\(errors)")
        #expect(printed == invoiceSignature)
    }

    @Test(arguments: [
        (["--uri", "v5/g2g/edit"], "must be a path starting with /"),
        (["--uri", "/v5/g2g/edit", "--header-layout", "soap"], "gateway or invoice"),
        (["--route", "/v5/g2g/nope"], "no route /v5/g2g/nope is configured; routes: /v5/g2g/edit"),
        (["--route", "/v5/g2g/edit", "--action", "gateway.payment.reverse"], "not allowed on /v5/g2g/edit"),
        (["--uri", "/x", "--action", "gateway.payment.refund"], "--action needs --route"),
        (["--uri", "/x", "--upstrem", "sandbox"], "unknown flag --upstrem"),
    ])
    func signRefusesWhatServeWouldNotSign(_ arguments: [String], _ reason: String) async throws {
        let (status, printed, errors) = try await runSidecar(
            ["sign", "--auth-id", "123456"] + arguments, stdin: "{}", environment: ["FREEDOMPAY_KEY": "secret"])
        #expect(status == 1)
        #expect(printed.isEmpty)
        #expect(errors.contains(reason), "\(errors)")
        #expect(!errors.contains("secret\n"))
    }
}
