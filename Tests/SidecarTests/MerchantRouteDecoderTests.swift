import Crypto
import JSONCore
import Testing

@testable import Sidecar

/// `"signature": "pg_sig"` routes in the config file (README "Routes", "Merchant API").
@Suite struct MerchantRouteDecoderTests {
    private func decode(_ json: String) throws(SettingError) -> RouteTable {
        do {
            return try RouteDecoder.decode(try StrictJSON.parse(Array(json.utf8)))
        } catch let error as SettingError {
            throw error
        } catch {
            throw SettingError("not JSON: \(error)")
        }
    }

    private func problems(_ json: String) -> [String] {
        do {
            _ = try decode(json)
            return []
        } catch { return error.messages }
    }

    @Test func aPgSigRouteDefaultsItsActionToTheScriptAndIsMoneyMoving() throws {
        let table = try decode(
            #"[{"path":"/init_payment.php","signature":"pg_sig"},{"path":"/get_status3.php","signature":"pg_sig","moneyMoving":false}]"#)
        #expect(table.routes[0].signature == .pgSig)
        #expect(table.routes[0].defaultAction == "init_payment.php")
        #expect(table.routes[0].allowedActions == ["init_payment.php"])
        #expect(table.routes[0].moneyMoving)
        #expect(!table.routes[1].moneyMoving)
        #expect(try decode(#"[{"path":"/v5/g2g/edit","defaultAction":"gateway.payment.refund"}]"#).routes[0].signature == .jws)
    }

    @Test func aRouteKeyOfItsOwnIsLoadedAsASecret() throws {
        let table = try decode(#"[{"path":"/revoke.php","signature":"pg_sig","credentials":{"authId":"552170","keyFile":"/run/k"}}]"#)
        #expect(table.routes[0].credentials.algorithm == .hs256)
        #expect(table.routes[0].credentials.authID == "552170")
    }

    @Test(arguments: [
        (#"[{"path":"/a.php","signature":"pg_sig","headerLayout":"gateway"}]"#, "'headerLayout' does not apply to a pg_sig route"),
        (#"[{"path":"/a.php","signature":"pg_sig","body":"json-object"}]"#, "'body' does not apply to a pg_sig route"),
        (
            #"[{"path":"/a.php","signature":"pg_sig","actions":{"a":{"body":"refund"}}}]"#,
            "action 'a': 'body' does not apply to a pg_sig route"
        ),
        (#"[{"path":"/a.php","signature":"pg_sig","credentials":{"alg":"HS512"}}]"#, "credentials: 'alg' does not apply to a pg_sig route"),
        (#"[{"path":"/a.php","signature":"pg_sig","credentials":{"kid":"k1"}}]"#, "credentials: 'kid' does not apply to a pg_sig route"),
        (#"[{"path":"/a.php","signature":"md5"}]"#, "signature 'md5' is not valid; valid: jws, pg_sig"),
        (#"[{"path":"/a/","signature":"pg_sig"}]"#, "a pg_sig route's path must end with the script name"),
        (#"[{"path":"/a.php","defaultAction":"x","moneyMoving":true}]"#, "'moneyMoving' applies to \"signature\": \"pg_sig\" routes only"),
        (#"[{"path":"/a.php","signature":"pg_sig","moneyMoving":"yes"}]"#, "'moneyMoving' must be true or false"),
        (#"[{"path":"/a.php","signature":"pg_sig","actions":{"a":{"idempotency":"maybe"}}}]"#, "idempotency 'maybe' is not valid"),
    ])
    func jwsKeysAndBadValuesAreErrors(_ json: String, _ expected: String) {
        let found = problems(json)
        #expect(found.contains { $0.contains(expected) }, "\(found)")
    }

    @Test func signRefusesAPgSigRoute() throws {
        var configuration = SidecarConfiguration()
        configuration.authID = testMerchant
        configuration.key = .inline(Array(testSecret.utf8))
        configuration.routes = try decode(#"[{"path":"/init_payment.php","signature":"pg_sig"}]"#)
        #expect {
            _ = try SigningRequest(
                configuration: configuration, route: "/init_payment.php", action: nil, uri: nil, headerLayout: nil, method: "POST")
        } throws: { error in
            (error as? StartupError)?.description.contains("is signed with pg_sig") == true
        }
    }

    @Test func aPgSigRouteNeedsASecretNotAPEMKey() throws {
        var configuration = SidecarConfiguration()
        configuration.authID = testMerchant
        configuration.upstream = .sandbox
        configuration.algorithm = .es256
        configuration.key = .inline(Array(P256.Signing.PrivateKey().pemRepresentation.utf8))
        configuration.routes = try decode(#"[{"path":"/init_payment.php","signature":"pg_sig"}]"#)
        let found = configurationProblems(configuration)
        #expect(found.contains { $0.contains("route /init_payment.php: pg_sig hashes a secret") }, "\(found)")
    }
}
