import Testing

@testable import Sidecar

/// A body as it arrives, and the schemas it is checked against.
private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private let id = "01978d4f-1a2b-7c3d-8e4f-0123456789ab"
private let amountSchemas: [BodySchema] = [.refund, .clearing]

/// The message of the 400 a body gets, or nil when it passes.
private func refusal(_ body: [UInt8], _ schema: BodySchema) -> String? {
    do {
        try BodyValidator().validate(body, schema: schema)
        return nil
    } catch {
        #expect(error.status == 400)
        #expect(error.code == "invalid_body")
        return error.message
    }
}

private func refusal(_ text: String, _ schema: BodySchema) -> String? { refusal(bytes(text), schema) }

@Suite struct BodySchemaTests {
    // MARK: The schema list

    @Test func configNamesAndActions() throws {
        #expect(
            BodySchema.allCases.map(\.rawValue) == [
                "refund", "clearing", "reverse", "payment-status", "request-status", "payment-create", "json-object",
            ])
        #expect(BodySchema.defaultSchema(forAction: "gateway.payment.refund") == .refund)
        #expect(BodySchema.defaultSchema(forAction: "gateway.payment.clearing") == .clearing)
        #expect(BodySchema.defaultSchema(forAction: "gateway.payment.reverse") == .reverse)
        #expect(BodySchema.defaultSchema(forAction: "gateway.payment.status") == .paymentStatus)
        #expect(BodySchema.defaultSchema(forAction: "gateway.request.status") == .requestStatus)
        #expect(BodySchema.defaultSchema(forAction: "gateway.payment.create") == .paymentCreate)
        #expect(BodySchema.defaultSchema(forAction: "gateway.payment.read") == nil)
        #expect(BodySchema.defaultSchema(forAction: "Gateway.Payment.Refund") == nil)
        // The route shorthand: one `body` for every action, else each action's default schema.
        let refund = Route(path: "/v5/g2g/edit", defaultAction: "gateway.payment.refund", body: .refund)
        #expect(refund.schema(for: "gateway.payment.refund") == .refund)
        let open = Route(path: "/x", defaultAction: "gateway.payment.create", body: .jsonObject)
        #expect(open.schema(for: "gateway.payment.create") == .jsonObject)
        for schema in BodySchema.allCases { #expect(!schema.summary.isEmpty) }
    }

    // MARK: refund and clearing: {"id", "amount"}

    @Test(
        arguments: amountSchemas,
        [
            #"{"id":"\#(id)","amount":100}"#,
            #" { "amount" : 0.01 , "id" : "\#(id)" } "#,
            #"{"id":"\#(id)","amount":100.5}"#,
            #"{"id":"\#(id)","amount":100.50}"#,
            #"{"id":"\#(id)","amount":0.5}"#,
            #"{"id":"\#(id)","amount":1000000000000}"#,
            #"{"id":"\#(id)","amount":1000000000000.00}"#,
            #"{"id":"\#(id)","amount":999999999999.99}"#,
            // Upper-case hex is the same UUID (RFC 9562 §4); Swift's UUID().uuidString writes it.
            #"{"id":"01978D4F-1A2B-7C3D-8E4F-0123456789AB","amount":100}"#,
        ])
    func acceptsAmounts(_ schema: BodySchema, _ body: String) {
        #expect(refusal(body, schema) == nil)
    }

    @Test(
        arguments: amountSchemas,
        [
            // The issue's cases, with what the message must say.
            (
                #"{"id":"\#(id)","amount":100,"Amount":-100}"#,
                #"unknown field "Amount"; field names are case-sensitive, did you mean "amount"?"#
            ),
            (#"{"id":"\#(id)","amount":100,"amount\u0000":-100}"#, #"field name "amount\u0000" holds a control character"#),
            (#"{"id":"\#(id)","amount":18446744073709551716}"#, "amount must be at most 1000000000000, got 18446744073709551716"),
            (#"{"id":"\#(id)","amount":4.9e-324}"#, "amount must be in plain decimal notation (no exponent), got 4.9e-324"),
            (#"{"id":"\#(id)","amount":1e2}"#, "amount must be in plain decimal notation (no exponent), got 1e2"),
            (#"{"id":"\#(id)","amount":1E2}"#, "amount must be in plain decimal notation (no exponent), got 1E2"),
            (#"{"id":"\#(id)","amount":100.001}"#, "amount must have at most two fractional digits, got 100.001"),
            (#"{"id":"\#(id)","amount":0}"#, "amount must be greater than 0, got 0"),
            (#"{"id":"\#(id)","amount":0.00}"#, "amount must be greater than 0, got 0.00"),
            (#"{"id":"\#(id)","amount":-0}"#, "amount must be greater than 0, got -0"),
            (#"{"id":"\#(id)","amount":-1}"#, "amount must be greater than 0, got -1"),
            (#"{"id":"\#(id)","amount":1000000000000.01}"#, "amount must be at most 1000000000000, got 1000000000000.01"),
            (#"{"id":"\#(id)","amount":1000000000001}"#, "amount must be at most 1000000000000, got 1000000000001"),
            (#"{"id":"\#(id)","amount":"100"}"#, "amount must be a number, got a string"),
            (#"{"id":"\#(id)","amount":true}"#, "amount must be a number, got a boolean"),
            (#"{"id":"\#(id)","amount":null}"#, "amount must be a number, got null"),
            (#"{"id":"\#(id)","amount":[100]}"#, "amount must be a number, got an array"),
            (#"{"id":"00000000-0000-0000-0000-000000000000","amount":100}"#, "id must not be the nil UUID"),
            (#"{"id":"ffffffff-ffff-ffff-ffff-ffffffffffff","amount":100}"#, "id must not be the max UUID"),
            (#"{"id":"123","amount":100}"#, #"id must be a UUID (8-4-4-4-12 hex digits), got "123""#),
            (
                #"{"id":"01978d4f1a2b7c3d8e4f0123456789ab","amount":100}"#,
                #"id must be a UUID (8-4-4-4-12 hex digits), got "01978d4f1a2b7c3d8e4f0123456789ab""#
            ),
            (#"{"id":1,"amount":100}"#, "id must be a string holding a payment UUID, got a number"),
            (#"{"id":"\#(id)","amount":100,"comment":"x"}"#, #"unknown field "comment"; "#),
            (#"{"id":"\#(id)","amount":100,"ID":"\#(id)"}"#, #"unknown field "ID"; field names are case-sensitive, did you mean "id"?"#),
            (#"{"id":"\#(id)","amount":100,"amount\t":1}"#, #"field name "amount\u0009" holds a control character"#),
            (#"{"id":"\#(id)","amount":100,"amount\u007f":1}"#, #"field name "amount\u007f" holds a control character"#),
            (#"{"id":"\#(id)","amount":100,"amoun\u0074\u200b":1}"#, #"field name "amount\u200b" holds a non-ASCII character"#),
            (#"{"id":"\#(id)","amount":100,"ａmount":1}"#, #"field name "\uff41mount" holds a non-ASCII character"#),
            (#"{"id":"\#(id)"}"#, #"missing field "amount""#),
            (#"{"amount":100}"#, #"missing field "id""#),
            ("[]", "body must be a JSON object, got an array"),
            (#""\#(id)""#, "body must be a JSON object, got a string"),
        ])
    func refusesWithAMessageThatSaysWhatCame(_ schema: BodySchema, _ example: (body: String, message: String)) throws {
        let message = try #require(refusal(example.body, schema), "\(example.body) must be refused")
        #expect(message.hasPrefix(example.message), "\(message)")
    }

    @Test(arguments: BodySchema.allCases)
    func aRawControlByteInAKeyIsNotJSON(_ schema: BodySchema) throws {
        let body = bytes(#"{"id":"\#(id)","amount"#) + [0x00] + bytes(#"":100}"#)
        let message = try #require(refusal(body, schema))
        #expect(message.hasPrefix("body is not valid JSON: control character in string"))
    }

    @Test(arguments: BodySchema.allCases)
    func duplicateKeysAreRefusedEvenWhenSpelledWithEscapes(_ schema: BodySchema) throws {
        let message = try #require(refusal(#"{"id":"\#(id)","amount":1,"\u0061mount":-1}"#, schema))
        #expect(message.contains("duplicate key"))
    }

    // MARK: reverse: {"id"}

    @Test func reverseTakesOnlyTheID() throws {
        #expect(refusal(#"{"id":"\#(id)"}"#, .reverse) == nil)
        #expect(
            try #require(refusal(#"{"id":"\#(id)","amount":100}"#, .reverse)).hasPrefix(
                #"unknown field "amount"; reverse bodies take only "id""#))
        #expect(refusal(#"{"id":"00000000-0000-0000-0000-000000000000"}"#, .reverse) == "id must not be the nil UUID")
        #expect(refusal(#"{"Id":"\#(id)"}"#, .reverse)?.hasPrefix(#"unknown field "Id""#) == true)
        #expect(refusal("{}", .reverse) == #"missing field "id""#)
    }

    // MARK: payment-status: {"id"}, {"order_id"} or both

    @Test func paymentStatusTakesIDOrderIDOrBoth() throws {
        #expect(refusal(#"{"id":"\#(id)"}"#, .paymentStatus) == nil)
        #expect(refusal(#"{"order_id":"12345"}"#, .paymentStatus) == nil)
        #expect(refusal(#"{"order_id":"A-1 / 2025"}"#, .paymentStatus) == nil)
        // The read payment page's example sends both (https://docs.freedompay.kz/api-9587007).
        #expect(refusal(#"{"id":"\#(id)","order_id":"12345"}"#, .paymentStatus) == nil)
        #expect(
            refusal(#"{"id":"\#(id)","order_id":""}"#, .paymentStatus) == #"order_id must be 1 to 255 printable ASCII characters, got """#)
        #expect(refusal("{}", .paymentStatus) == #"send "id" or "order_id" or both, got none"#)
        #expect(refusal(#"{"order_id":12345}"#, .paymentStatus) == "order_id must be a string, got a number")
        #expect(refusal(#"{"order_id":""}"#, .paymentStatus) == #"order_id must be 1 to 255 printable ASCII characters, got """#)
        #expect(
            refusal(#"{"order_id":"a\nb"}"#, .paymentStatus) == #"order_id must be 1 to 255 printable ASCII characters, got "a\u000ab""#)
        #expect(refusal(#"{"order_id":"\#(String(repeating: "1", count: 255))"}"#, .paymentStatus) == nil)
        #expect(refusal(#"{"order_id":"\#(String(repeating: "1", count: 256))"}"#, .paymentStatus) != nil)
        #expect(refusal(#"{"id":"00000000-0000-0000-0000-000000000000"}"#, .paymentStatus) == "id must not be the nil UUID")
        #expect(refusal(#"{"id":"\#(id)","amount":1}"#, .paymentStatus)?.hasPrefix(#"unknown field "amount""#) == true)
        #expect(
            refusal(#"{"Order_ID":"1"}"#, .paymentStatus)?.hasPrefix(
                #"unknown field "Order_ID"; field names are case-sensitive, did you mean "order_id"?"#) == true)
    }

    // MARK: request-status: {"request_id"}

    @Test func requestStatusTakesOnlyTheRequestID() throws {
        #expect(refusal(#"{"request_id":"\#(id)"}"#, .requestStatus) == nil)
        #expect(refusal("{}", .requestStatus) == #"missing field "request_id""#)
        #expect(refusal(#"{"request_id":42}"#, .requestStatus) == "request_id must be a string holding a request UUID, got a number")
        #expect(refusal(#"{"request_id":"r-1"}"#, .requestStatus) == #"request_id must be a UUID (8-4-4-4-12 hex digits), got "r-1""#)
        #expect(
            refusal(#"{"request_id":"00000000-0000-0000-0000-000000000000"}"#, .requestStatus) == "request_id must not be the nil UUID")
        #expect(refusal(#"{"request_id":"\#(id)","id":"\#(id)"}"#, .requestStatus)?.hasPrefix(#"unknown field "id""#) == true)
        #expect(refusal(#"{"Request_Id":"\#(id)"}"#, .requestStatus)?.hasPrefix(#"unknown field "Request_Id""#) == true)
    }

    // MARK: json-object: open, but no control-character keys or out-of-range numbers

    @Test(arguments: [
        "{}", #"{"order_id":"A-1"}"#, #"{"Amount":-100,"amount":100}"#, #"{"n":1e2,"m":-0.5,"z":0,"zz":-0e-999}"#,
        #"{"n":9007199254740991,"m":-9007199254740991}"#, #"{"x":2.2250738585072014e-308}"#, #"{"x":-123456.789e-3}"#,
        #"{"schlüssel":"wert","é":[{"k":1}]}"#, #"{"a":{"b":[1,2,{"c":null}]}}"#,
    ])
    func jsonObjectAcceptsAnyObjectInRange(_ body: String) {
        #expect(refusal(body, .jsonObject) == nil)
    }

    @Test(arguments: [
        (#"{"n":18446744073709551716}"#, #"number 18446744073709551716 at "/n" is out of range: its magnitude must be below 2^53"#),
        (#"{"n":9007199254740992}"#, #"number 9007199254740992 at "/n" is out of range"#),
        (#"{"n":9007199254740993}"#, #"number 9007199254740993 at "/n" is out of range"#),
        (#"{"n":-9007199254740993}"#, #"number -9007199254740993 at "/n" is out of range"#),
        (#"{"n":1e300}"#, #"number 1e300 at "/n" is out of range"#),
        (#"{"n":1e400}"#, #"number 1e400 at "/n" is not finite as a 64-bit float"#),
        (#"{"n":-1e400}"#, #"number -1e400 at "/n" is not finite"#),
        (#"{"n":4.9e-324}"#, #"number 4.9e-324 at "/n" is out of range: it underflows a 64-bit float"#),
        (#"{"n":1e-400}"#, #"number 1e-400 at "/n" is out of range: it underflows"#),
        (#"{"a":[1,{"b":1e999}]}"#, #"number 1e999 at "/a/1/b" is not finite"#),
        (#"{"amount\u0000":1}"#, #"field name "amount\u0000" holds a control character"#),
        (#"{"x":{"k\u001f":1}}"#, #"field name "k\u001f" at "/x" holds a control character"#),
        (#"{"k\u0085":1}"#, #"field name "k\u0085" holds a control character"#),
        ("[1]", "body must be a JSON object, got an array"),
        (#""s""#, "body must be a JSON object, got a string"),
    ])
    func jsonObjectRefuses(_ example: (body: String, message: String)) throws {
        let message = try #require(refusal(example.body, .jsonObject), "\(example.body) must be refused")
        #expect(message.hasPrefix(example.message), "\(message)")
    }

    // MARK: Messages never echo huge or raw values

    @Test func quotedValuesAreTruncatedAndEscaped() throws {
        let huge = String(repeating: "9", count: 60_000)
        let message = try #require(refusal(#"{"id":"\#(id)","amount":\#(huge)}"#, .refund))
        #expect(message == "amount must be at most 1000000000000, got \(String(repeating: "9", count: 40))... (60000 bytes)")

        let longKey = String(repeating: "k", count: 5000)
        let keyMessage = try #require(refusal(#"{"id":"\#(id)","amount":1,"\#(longKey)":1}"#, .refund))
        #expect(
            keyMessage.hasPrefix(
                #"unknown field "\#(String(repeating: "k", count: 40))..." (5000 bytes); refund bodies take only "id" and "amount""#))
        #expect(keyMessage.utf8.count < 200)

        let openMessage = try #require(refusal(#"{"n":\#(huge)}"#, .jsonObject))
        #expect(openMessage.utf8.count < 200)

        #expect(BodyValidator.quote("a\"b\\c\u{0}\u{1b}\u{7f}é😀") == #""a\"b\\c\u0000\u001b\u007f\u00e9\ud83d\ude00""#)
        #expect(
            BodyValidator.quote(String(repeating: "é", count: 30)) == "\"" + String(repeating: #"\u00e9"#, count: 20) + #"..." (60 bytes)"#)
    }

    @Test func amountRuleOnItsOwn() {
        for ok in ["1", "0.01", "0.1", "10", "10.10", "1000000000000", "1000000000000.0", "1000000000000.00"] {
            #expect(BodyValidator.amountProblem(ok) == nil, "\(ok)")
        }
        for bad in [
            "0", "0.0", "-1", "+1", "01", "1.", ".5", "1.234", "1e2", "1E-2", "1000000000000.01", "10000000000000", "", "1.2.3", "0x10",
        ] {
            #expect(BodyValidator.amountProblem(bad) != nil, "\(bad)")
        }
    }
}
