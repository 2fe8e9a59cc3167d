import MerchantAPI
import Testing

/// Known answers computed by scripts/tests/pg_sig_known_answers.py (Python, written from
/// Freedom Pay's "Signature generation" text), pinned here as literals.
@Suite struct PGSignatureTests {
    let secret = Array("UnQ4Zxd3eRk7Vn9L".utf8)

    private func formMessage(_ body: String, policy: FormReadingPolicy = .signing) throws -> PGSigMessage {
        let fields = try FormReader.readURLEncoded(Array(body.utf8), policy: policy)
        return try PGSigMessage(formFields: fields, allowsRepeatedNames: policy.allowsRepeatedNames)
    }

    @Test func flatFormMatchesTheDocsExampleLayout() throws {
        let message = try formMessage("pg_order_id=23&pg_merchant_id=552170&pg_amount=25&pg_description=test&pg_salt=molbulak")
        let input = PGSignature.signingInput(script: "init_payment.php", message: message, secret: secret)
        #expect(String(decoding: input, as: UTF8.self) == "init_payment.php;25;test;552170;23;molbulak;UnQ4Zxd3eRk7Vn9L")
        #expect(PGSignature.signature(script: "init_payment.php", message: message, secret: secret) == "3a42eecb8f236d202e35bed40c762661")
    }

    @Test func repeatedNamesKeepTheirOrderAndUTF8IsSignedAsBytes() throws {
        let message = try formMessage(
            "pg_merchant_id=552170&pg_payment_id=123456789&note=%D0%B7%D0%B0%D0%BA%D0%B0%D0%B7+1&note=second&pg_salt=abc",
            policy: .verifying)
        let input = PGSignature.signingInput(script: "get_status3.php", message: message, secret: secret)
        #expect(String(decoding: input, as: UTF8.self) == "get_status3.php;заказ 1;second;552170;123456789;abc;UnQ4Zxd3eRk7Vn9L")
        #expect(PGSignature.signature(script: "get_status3.php", message: message, secret: secret) == "a24598f13d8fd89f284e65495fadec71")
    }

    @Test func nestedFormIsFlattenedWithThreeDigitPositions() throws {
        let message = try formMessage(
            "pg_order_id=00102&pg_merchant_id=552170&pg_amount=2500"
                + "&pg_receipt_positions%5B0%5D%5Bcount%5D=2&pg_receipt_positions%5B0%5D%5Bname%5D=Mouse+pad"
                + "&pg_receipt_positions%5B0%5D%5Btax_type%5D=0&pg_receipt_positions%5B0%5D%5Bprice%5D=1000"
                + "&pg_description=Ticket"
                + "&pg_receipt_positions%5B1%5D%5Bcount%5D=1&pg_receipt_positions%5B1%5D%5Bname%5D=Cable"
                + "&pg_receipt_positions%5B1%5D%5Btax_type%5D=0&pg_receipt_positions%5B1%5D%5Bprice%5D=500"
                + "&pg_salt=s4lt")
        #expect(message.isNested)
        let input = PGSignature.signingInput(script: "init_payment.php", message: message, secret: secret)
        #expect(
            String(decoding: input, as: UTF8.self)
                == "init_payment.php;2500;Ticket;552170;00102;2;Mouse pad;1000;0;1;Cable;500;0;s4lt;UnQ4Zxd3eRk7Vn9L")
        #expect(PGSignature.signature(script: "init_payment.php", message: message, secret: secret) == "0d78b84f6df8c4b3c710cb0d11c89102")
    }

    @Test func flatXMLAnswerWithEntities() throws {
        let document =
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<response><pg_status>ok</pg_status>"
            + "<pg_payment_id>4567788</pg_payment_id>"
            + "<pg_redirect_url>https://sandbox.invalid/pay.html?customer=49&amp;x=&lt;1&gt;</pg_redirect_url>"
            + "<pg_redirect_url_type>need data</pg_redirect_url_type><pg_salt>bdwLavL9lg6It91b</pg_salt>"
            + "<pg_sig>930f7435f434b221ca889812f5348bc7</pg_sig></response>"
        let message = PGSigMessage(xmlRoot: try StrictXML.parse(Array(document.utf8)))
        let input = PGSignature.signingInput(script: "init_payment.php", message: message, secret: secret)
        #expect(
            String(decoding: input, as: UTF8.self)
                == "init_payment.php;4567788;https://sandbox.invalid/pay.html?customer=49&x=<1>;need data;bdwLavL9lg6It91b;ok;UnQ4Zxd3eRk7Vn9L"
        )
        #expect(PGSignature.signature(script: "init_payment.php", message: message, secret: secret) == "930f7435f434b221ca889812f5348bc7")
        #expect(PGSignature.check(script: "init_payment.php", message: message, secret: secret) == .verified)
        #expect(PGSignature.check(script: "get_status3.php", message: message, secret: secret) == .invalid)
        #expect(PGSignature.check(script: "init_payment.php", message: message, secret: Array("other".utf8)) == .invalid)
    }

    @Test func nestedXMLStatusAnswer() throws {
        let document =
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<response>\n  <pg_status>ok</pg_status>\n"
            + "  <pg_payment_id>123456789</pg_payment_id>\n  <pg_amount>10</pg_amount>\n"
            + "  <pg_refund_payments>\n    <pg_refund_payment>\n      <pg_payment_id>123456790</pg_payment_id>\n"
            + "      <pg_amount>-4</pg_amount>\n    </pg_refund_payment>\n    <pg_refund_payment>\n"
            + "      <pg_payment_id>123456791</pg_payment_id>\n      <pg_amount>-6</pg_amount>\n"
            + "    </pg_refund_payment>\n  </pg_refund_payments>\n  <pg_salt>some random string</pg_salt>\n"
            + "  <pg_sig>0c75a72f0429e3547129fe381468bbee</pg_sig>\n</response>"
        let message = PGSigMessage(xmlRoot: try StrictXML.parse(Array(document.utf8)))
        let input = PGSignature.signingInput(script: "get_status3.php", message: message, secret: secret)
        #expect(
            String(decoding: input, as: UTF8.self)
                == "get_status3.php;10;123456789;-4;123456790;-6;123456791;some random string;ok;UnQ4Zxd3eRk7Vn9L")
        #expect(PGSignature.signature(script: "get_status3.php", message: message, secret: secret) == "0c75a72f0429e3547129fe381468bbee")
        #expect(PGSignature.check(script: "get_status3.php", message: message, secret: secret) == .verified)
    }

    @Test func checkSaysAbsentOrInvalidForMissingOrRepeatedSignature() {
        let unsigned = PGSigMessage(flatFields: [MerchantField(name: "pg_status", value: "ok")])
        #expect(PGSignature.check(script: "x.php", message: unsigned, secret: secret) == .absent)
        let twice = PGSigMessage(flatFields: [
            MerchantField(name: "pg_sig", value: "a"), MerchantField(name: "pg_sig", value: "a"),
        ])
        #expect(PGSignature.check(script: "x.php", message: twice, secret: secret) == .invalid)
    }

    @Test func signedFieldsAppendSaltAndSignatureThatVerify() {
        let fields = PGSignature.signedFields(
            script: "result.php", fields: [MerchantField(name: "pg_status", value: "ok")], salt: "s4lt", secret: secret)
        #expect(fields.map(\.name) == ["pg_status", "pg_salt", "pg_sig"])
        #expect(PGSignature.check(script: "result.php", message: PGSigMessage(flatFields: fields), secret: secret) == .verified)
    }

    @Test(arguments: [
        ("/init_payment.php", "init_payment.php"), ("/get_status3.php?x=1", "get_status3.php"),
        ("/api/reg2nonreg", "reg2nonreg"), ("init_payment.php", "init_payment.php"),
    ])
    func scriptNameIsTheLastPathSegment(_ path: String, _ script: String) {
        #expect(PGSignature.scriptName(ofPath: path) == script)
    }

    @Test(arguments: ["a[", "a[]", "a]b", "a[b]c", "1a", "a[b[c]]", "a.b", "a b", "a[b.c]"])
    func malformedBracketNamesAreRefused(_ name: String) {
        #expect(throws: PGSigMessage.FieldNameError.malformedName(name)) {
            try PGSigMessage(formFields: [MerchantField(name: name, value: "1")], allowsRepeatedNames: false)
        }
    }

    @Test func aNameThatIsBothValueAndGroupIsRefused() {
        let fields = [MerchantField(name: "a", value: "1"), MerchantField(name: "a[b]", value: "2")]
        #expect(throws: PGSigMessage.FieldNameError.conflictingNames("a[b]")) {
            try PGSigMessage(formFields: fields, allowsRepeatedNames: true)
        }
        let repeated = [MerchantField(name: "a[b]", value: "1"), MerchantField(name: "a[b]", value: "2")]
        #expect(throws: PGSigMessage.FieldNameError.repeatedName("a[b]")) {
            try PGSigMessage(formFields: repeated, allowsRepeatedNames: false)
        }
    }

    @Test func saltsAreTwentyLettersAndDigitsByDefault() {
        let salts = (0..<4).map { _ in PGSalt.random() }
        for salt in salts {
            #expect(salt.utf8.count == 20 && salt.utf8.allSatisfy { PGSalt.alphabet.contains($0) })
        }
        #expect(Set(salts).count == 4)
        #expect(PGSalt.random(length: 16).utf8.count == 16)
        #expect(PGSalt.alphabet.count == 62)
    }
}
