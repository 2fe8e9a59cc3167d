import Foundation
import Testing
@testable import Sidecar

@Suite struct KeyStoreTests {
    func keyFile(_ contents: String, mode: Int = 0o600) throws -> String {
        let path = NSTemporaryDirectory() + "sidecar-key-\(UUID().uuidString)"
        try contents.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test func refusesMissingEmptyAndWritableKeys() throws {
        let secret = "the-secret-value"
        let cases: [(String, String)] = [
            (NSTemporaryDirectory() + "no-such-key-\(UUID().uuidString)", "No such file"),
            (try keyFile("\n"), "empty"),
            (try keyFile(secret, mode: 0o666), "writable by group or others"),
            (try keyFile(secret, mode: 0o620), "writable by group or others"),
        ]
        for (path, reason) in cases {
            let error = #expect(throws: KeyError.self) { try KeyStore(source: .file(path: path), algorithm: .hs256) }
            #expect(error?.description.contains(reason) == true, "\(error?.description ?? "")")
            #expect(error?.description.contains(secret) == false)
        }
        #expect(throws: KeyError.self) { try KeyStore(source: .file(path: try keyFile("not a pem")), algorithm: .es256) }
    }

    @Test func reloadSwapsToANewKeyAndKeepsTheOldOneOnABadKey() throws {
        let path = try keyFile("first-key\n")
        let store = try KeyStore(source: .file(path: path), algorithm: .hs256)
        let first = store.key.sign([1, 2, 3])
        #expect(store.reload(onlyIfChanged: true) == .unchanged)

        try "second-key\n".write(toFile: path + ".new", atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path + ".new")
        rename(path + ".new", path)
        #expect(store.reload(onlyIfChanged: true) == .reloaded)
        let second = store.key.sign([1, 2, 3])
        #expect(second != first)

        try "".write(toFile: path + ".new", atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path + ".new")
        rename(path + ".new", path)
        guard case .failed(let reason) = store.reload(onlyIfChanged: true) else {
            Issue.record("an empty key must fail")
            return
        }
        #expect(reason.contains("empty"))
        #expect(store.key.sign([1, 2, 3]) == second)
        #expect(store.reload(onlyIfChanged: true) == .unchanged, "a bad file is reported once, not on every poll")
    }
}
