import Foundation
import LoopbackTestSupport
import Testing

@testable import Sidecar

/// Every request body example on Freedom Pay's v5 Async API pages, as a merchant would send
/// it, through the shipped `config/gateway-full.json` preset to a fake Freedom Pay that
/// verifies the signature on its own: each passes, is signed for its path, and goes out byte
/// for byte.
///
/// The stored copies of the pages keep each example's tokens but not its indentation; the
/// literals below use four spaces, as Freedom Pay's other JSON examples do, or none, as the
/// copies hold them. The create payment example exists in two versions (two card numbers):
/// both are here. The other Async
/// API pages ("read request", "edit payment.refund", "edit payment.reverse",
/// "edit payment.clearing": https://docs.freedompay.kz/api-9587008, -9587009, -9587010,
/// -9587011) show no request body example in any copy we could read; "create payment" itself
/// (https://docs.freedompay.kz/api-9587005) and "create payment recurrent" (listed in the
/// later .kz, .kg and .uz menus; not routed) are stored with their menus only.
@Suite(.timeLimit(.minutes(1))) struct PageExampleTests {
    struct Example: Sendable, CustomTestStringConvertible {
        /// The page, by name and address.
        var page: String
        var path: String
        /// What the page sends as `X-Action`, or nil when the example relies on the route's default.
        var action: String?
        var expectedAction: String
        var body: String
        var testDescription: String { page }
    }

    static let examples: [Example] = [
        Example(
            page:
                "Async API · Overview, https://docs.freedompay.kz/doc-650923 as published on https://691vi5ab6p.apidog.io/doc-650923 (the X-JWS-Signature example's body, card 4400444400004440)",
            path: "/v5/g2g/create", action: nil, expectedAction: "gateway.payment.create",
            body: """
                {
                    "amount": 123.42,
                    "currency": "KZT",
                    "description": "description",
                    "order_id": "order_id",
                    "user_id": "user_id",
                    "auto_clearing": true,
                    "from": {
                        "type": "card",
                        "card": {
                            "name": "CARD HOLDER",
                            "pan": "4400444400004440",
                            "cvc": "123",
                            "year": 30,
                            "month": 12
                        },
                        "save": true,
                        "recurrent": {
                            "lifetime": 3
                        }
                    },
                    "device": {
                        "user_ip": "123.123.123.123"
                    },
                    "urls": {
                        "check_url": "https://webhook.site/2af177da-0d72-4651-a31e-a0ea56ccc8a4",
                        "result_url": "https://webhook.site/2af177da-0d72-4651-a31e-a0ea56ccc8a4"
                    }
                }
                """),
        Example(
            page: "read payment, https://docs.freedompay.kz/api-9587007 (Body Params example)",
            path: "/v5/g2g/read", action: nil, expectedAction: "gateway.payment.status",
            body: """
                {
                    "id": "01907dac-a93d-776e-b475-cba6a54a4888",
                    "order_id": "1234"
                }
                """),
        Example(
            page: "read payment (.kg), https://docs.freedompay.kg/api-13677835 (the curl sample, X-Action gateway.payment.status)",
            path: "/v5/g2g/read", action: "gateway.payment.status", expectedAction: "gateway.payment.status",
            body: "{\n\"id\": \"01907dac-a93d-776e-b475-cba6a54a4888\",\n\"order_id\": \"1234\"\n}"),
        Example(
            page:
                "Async API · Introduction (.kg), https://docs.freedompay.kg/apidoc/project-747718/doc-832996, and the .kz overview's other copy, https://docs.freedompay.kz/doc-650923 (the signature example's body with card 1234567890123456, cvc 012, 24/1; kept without indentation, as stored)",
            path: "/v5/g2g/create", action: nil, expectedAction: "gateway.payment.create",
            body:
                "{\n\"amount\": 123.42,\n\"currency\": \"KZT\",\n\"description\": \"description\",\n\"order_id\": \"order_id\",\n\"user_id\": \"user_id\",\n\"auto_clearing\": true,\n\"from\": {\n\"type\": \"card\",\n\"card\": {\n\"name\": \"CARD HOLDER\",\n\"pan\": \"1234567890123456\",\n\"cvc\": \"012\",\n\"year\": 24,\n\"month\": 1\n},\n\"save\": true,\n\"recurrent\": {\n\"lifetime\": 3\n}\n},\n\"device\": {\n\"user_ip\": \"123.123.123.123\"\n},\n\"urls\": {\n\"check_url\": \"https://webhook.site/2af177da-0d72-4651-a31e-a0ea56ccc8a4\",\n\"result_url\": \"https://webhook.site/2af177da-0d72-4651-a31e-a0ea56ccc8a4\"\n}\n}"
        ),
    ]

    @Test(arguments: examples) func pageExamplePassesThroughGatewayFull(_ example: Example) async throws {
        try await withFakeFreedomPay { upstream, fake in
            try await withSidecar(upstream: upstreamURL(upstream), configure: SandboxLifecycleTests.allowLifecycle) { sidecar in
                let client = try LoopbackClient(sidecar.address)
                let action = example.action.map { "X-Action: \($0)\r\n" } ?? ""
                try await client.send(
                    "POST \(example.path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\(action)Idempotency-Key: page-example-\(example.path)\r\nContent-Length: \(example.body.utf8.count)\r\n\r\n\(example.body)"
                )
                let response = try await client.readResponse()
                #expect(response.status == 200, "\(response.bodyText)")
                #expect(response.header("X-Sidecar-Error") == nil)

                let forwarded = try #require(fake.requests.first)
                #expect(fake.requests.count == 1)
                #expect(forwarded.signatureValid, "signed for \(example.path), verified by the fake on its own")
                #expect(forwarded.target == example.path)
                #expect(forwarded.header("X-Action") == example.expectedAction)
                #expect(forwarded.body == Array(example.body.utf8), "forwarded byte for byte")
            }
        }
    }

    /// The create payment example, with one change each, is refused before anything is signed:
    /// the schema is closed at every level and a card field's value is never repeated.
    @Test func createPaymentSchemaIsClosedAndKeepsCardDataOut() throws {
        let good = Self.examples[0].body
        func refusal(_ body: String) -> String? {
            do {
                try BodyValidator().validate(Array(body.utf8), schema: .paymentCreate)
                return nil
            } catch {
                #expect(error.code == "invalid_body")
                return error.message
            }
        }
        #expect(refusal(good) == nil)
        let cases: [(from: String, to: String, message: String)] = [
            (#""pan": "4400444400004440""#, #""pan": "44004444000044401234""#, "from.card.pan must be a string of 13 to 19 digits"),
            (#""cvc": "123""#, #""cvc": "12a""#, "from.card.cvc must be a string of 3 to 4 digits"),
            (#""month": 12"#, #""month": 13"#, "from.card.month must be an integer from 1 to 12 in plain notation"),
            (#""name": "CARD HOLDER""#, #""name": "CARD HOLDER 1""#, "from.card.name must be 1 to 100 of A-Z a-z, space, - . '"),
            (
                #""save": true,"#, #""save": true, "Save": 1,"#,
                #"unknown field "from.Save"; field names are case-sensitive, did you mean "from.save"?"#
            ),
            (#""lifetime": 3"#, #""lifetime": 3, "x": 1"#, #"unknown field "from.recurrent.x"; "from.recurrent" takes only "lifetime""#),
            (#""currency": "KZT","#, #""currency": "kzt","#, #"currency must be three upper-case letters (ISO 4217), got "kzt""#),
            (#""auto_clearing": true,"#, "", #"missing field "auto_clearing""#),
            (#""auto_clearing": true"#, #""auto_clearing": 1"#, "auto_clearing must be true or false, got a number"),
            (#""type": "card""#, #""type": "token""#, #"from.type must be "card", got "token""#),
            (
                #""user_ip": "123.123.123.123""#, #""user_ip": "123.123.123.256""#,
                #"device.user_ip must be an IPv4 address (four numbers 0-255), got "123.123.123.256""#
            ),
            (#""amount": 123.42"#, #""amount": 123.421"#, "amount must have at most two fractional digits, got 123.421"),
        ]
        for (from, to, message) in cases {
            #expect(good.contains(from), "\(from)")
            #expect(refusal(good.replacingOccurrences(of: from, with: to)) == message)
        }
    }
}
