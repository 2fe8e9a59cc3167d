import LoopbackTestSupport
import Testing

/// The fake Freedom Pay itself refuses what Freedom Pay would: it checks signatures with
/// `IndependentJWS` and reads framing with `MinimalRequestReader`, so these requests are
/// written by hand here, not by the sidecar. Signatures were computed with Python's `hmac`
/// and `base64` modules and are pinned as literals.
@Suite(.timeLimit(.minutes(1))) struct FakeFreedomPayStrictnessTests {
    static let body = #"{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100}"#
    /// HS256 over `{"uri":"/v5/g2g/edit","auth_id":"123456","method":"POST","params":"","alg":"HS256"}` and `body`.
    static let hs256 =
        "eyJ1cmkiOiIvdjUvZzJnL2VkaXQiLCJhdXRoX2lkIjoiMTIzNDU2IiwibWV0aG9kIjoiUE9TVCIsInBhcmFtcyI6IiIsImFsZyI6IkhTMjU2In0"
        + "..gCHJdlAxFcGmR3LIMM_lbfvDEWw4Hp3pnu6eOtumJcY"

    func post(
        _ server: FakeFreedomPayServer, path: String = "/v5/g2g/edit", signature: String, body: String = Self.body
    ) async throws -> ReceivedResponse {
        try await send(
            server,
            "POST \(path) HTTP/1.1\r\nHost: fp\r\nContent-Type: application/json\r\nX-JWS-Signature: \(signature)\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
    }

    func send(_ server: FakeFreedomPayServer, _ text: String) async throws -> ReceivedResponse {
        let client = try LoopbackClient(server.address)
        try await client.send(text)
        return try await client.readResponse()
    }

    @Test func signaturesOfEachHMACAlgorithmAndBothLayoutsAreAccepted() async throws {
        let valid = [
            ("/v5/g2g/edit", Self.hs256),
            (
                "/v5/g2g/edit",
                "eyJ1cmkiOiIvdjUvZzJnL2VkaXQiLCJhdXRoX2lkIjoiMTIzNDU2IiwibWV0aG9kIjoiUE9TVCIsInBhcmFtcyI6IiIsImFsZyI6IkhTNTEyIiwia2lkIjoiay0xIn0"
                    + "..Yuv_e6eCJKsRdY3zetnxC-kvBR4fTAMLhEUcn3BCnU674Q3Zre7WYmEm9uIGCaw6INbtEJhc6IImUCtq5WDbqQ"
            ),  // HS512, gateway layout with "kid":"k-1"
            (
                "/v5/merchant/invoice/init",
                "eyJwYXRoIjoiL3Y1L21lcmNoYW50L2ludm9pY2UvaW5pdCIsIm1lcmNoYW50X2lkIjoxMjM0NTYsIm1ldGhvZCI6IlBPU1QiLCJwYXJhbXMiOiIiLCJhbGciOiJIUzM4NCJ9"
                    + "..6LVbIE0isOhIAY_3xbRJfHOkH9x2C8aBdgX5sgUBv92tEZL5-R9Ed9ClRcLonqI8"
            ),  // HS384, invoice layout (numeric merchant_id)
        ]
        try await withFakeFreedomPay(secret: testSecret, merchantID: testMerchant) { server, fake in
            for (path, signature) in valid {
                let response = try await post(server, path: path, signature: signature)
                #expect(response.status == 200, "\(path) \(signature.suffix(8))")
            }
            #expect(fake.requests.map(\.signatureValid) == [true, true, true])
            #expect(server.refusedFramingCount == 0)
        }
    }

    /// The Card API page's example (HS512 with the key `secret`), as DESIGN's known answer.
    @Test func theCardAPIPageExampleIsAccepted() async throws {
        try await withFakeFreedomPay(secret: "secret", merchantID: "123456") { server, fake in
            let response = try await post(
                server, path: "/v5/card-api/request/status",
                signature:
                    "eyJ1cmkiOiIvdjUvY2FyZC1hcGkvcmVxdWVzdC9zdGF0dXMiLCJhdXRoX2lkIjoiMTIzNDU2IiwibWV0aG9kIjoiUE9TVCIsInBhcmFtcyI6IiIsImFsZyI6IkhTNTEyIn0"
                    + "..f1sQoeIpX_ZjOaykQzSeylvvKaVrEQV4gNM2ACFbEMkFDUV9Zk5WO1yQGEWez-vnQMVHodLBDVEyh5Xm2-3MjQ",
                body: #"{"request_id":"828cf71d-a447-4a67-a149-c1df8bc197ca"}"#)
            #expect(response.status == 200)
            #expect(fake.requests.map(\.signatureValid) == [true])
        }
    }

    @Test func aWrongSignatureAChangedBodyByteOrAWrongHeaderIsRefused() async throws {
        let refused: [(name: String, path: String, signature: String, body: String)] = [
            (
                "signed with another key", "/v5/g2g/edit",
                "eyJ1cmkiOiIvdjUvZzJnL2VkaXQiLCJhdXRoX2lkIjoiMTIzNDU2IiwibWV0aG9kIjoiUE9TVCIsInBhcmFtcyI6IiIsImFsZyI6IkhTMjU2In0"
                    + "..4Ilfl_xjNOvNVMMYWtMoukpg9gjzGS__AoYTGF6dx_w", Self.body
            ),
            ("one body byte changed", "/v5/g2g/edit", Self.hs256, Self.body.replacingOccurrences(of: "100", with: "101")),
            ("another path", "/v5/g2g/cancel", Self.hs256, Self.body),
            (
                "another merchant in a validly signed header", "/v5/g2g/edit",
                "eyJ1cmkiOiIvdjUvZzJnL2VkaXQiLCJhdXRoX2lkIjoiNjU0MzIxIiwibWV0aG9kIjoiUE9TVCIsInBhcmFtcyI6IiIsImFsZyI6IkhTMjU2In0"
                    + "..zjUegUqd5Es_xxUuTmHyf0h5aHDVyT-7SXSeIsitJm8", Self.body
            ),
            (
                "a validly signed header with a space in it", "/v5/g2g/edit",
                "eyJ1cmkiOiIvdjUvZzJnL2VkaXQiLCAiYXV0aF9pZCI6IjEyMzQ1NiIsIm1ldGhvZCI6IlBPU1QiLCJwYXJhbXMiOiIiLCJhbGciOiJIUzI1NiJ9"
                    + "..RYFJTQ76eK5sjFRRNB8h5o-poPsiwDO01UyCKJg8LOs", Self.body
            ),
            ("the signature not detached", "/v5/g2g/edit", Self.hs256.replacingOccurrences(of: "..", with: ".e30."), Self.body),
        ]
        try await withFakeFreedomPay(secret: testSecret, merchantID: testMerchant) { server, fake in
            for (name, path, signature, body) in refused {
                let response = try await post(server, path: path, signature: signature, body: body)
                #expect(response.status == 401, "\(name)")
                #expect(fake.requests.last?.signatureValid == false, "\(name)")
            }
            #expect(fake.requests.count == refused.count)
            // The control: the untouched request is accepted by the same fake.
            #expect(try await post(server, signature: Self.hs256).status == 200)
        }
    }

    @Test func malformedFramingIsRefusedBeforeTheFakeSeesIt() async throws {
        let head = "POST /v5/g2g/edit HTTP/1.1\r\nHost: fp\r\nX-JWS-Signature: \(Self.hs256)\r\n"
        let length = "Content-Length: \(Self.body.utf8.count)\r\n"
        let malformed: [(name: String, request: String)] = [
            ("chunked", head + "Transfer-Encoding: chunked\r\n\r\n3a\r\n\(Self.body)\r\n0\r\n\r\n"),
            ("two Content-Lengths", head + length + length + "\r\n" + Self.body),
            ("a signed Content-Length", head + "Content-Length: +\(Self.body.utf8.count)\r\n\r\n" + Self.body),
            ("whitespace before a colon", head + "Content-Length : \(Self.body.utf8.count)\r\n\r\n" + Self.body),
            ("a header line without a colon", head + "Idempotency-Key\r\n" + length + "\r\n" + Self.body),
            ("a bare LF inside the head", head + "X-A: 1\nX-B: 2\r\n" + length + "\r\n" + Self.body),
            ("an HTTP/2 request line", head.replacingOccurrences(of: "HTTP/1.1", with: "HTTP/2") + length + "\r\n" + Self.body),
        ]
        try await withFakeFreedomPay(secret: testSecret, merchantID: testMerchant) { server, fake in
            for (index, (name, request)) in malformed.enumerated() {
                let response = try await send(server, request)
                #expect(response.status == 400, "\(name)")
                #expect(server.refusedFramingCount == index + 1, "\(name)")
            }
            #expect(fake.requests.isEmpty, "no malformed request reaches the fake")
            #expect(try await send(server, head + length + "Connection: close\r\n\r\n" + Self.body).status == 200)
        }
    }
}
