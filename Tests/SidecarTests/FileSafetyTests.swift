import Foundation
import Glibc
import Testing

@testable import Sidecar

/// Issue 17 §1: key, credential and config files are read by one function that cannot be
/// made to block or to allocate without bound, and the exposure warnings follow one rule.
@Suite(.timeLimit(.minutes(1))) struct FileSafetyTests {
    func temporaryPath() -> String { NSTemporaryDirectory() + "sidecar-file-\(UUID().uuidString)" }

    func write(_ contents: String, to path: String, mode: Int = 0o600) throws {
        try contents.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    @Test func aDeviceAFIFOADirectoryAndAnOversizedFileAreRefusedWithoutBlocking() throws {
        let fifo = temporaryPath()
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        let large = temporaryPath()
        try write(String(repeating: "k", count: FileBytes.secretLimit + 1), to: large)
        defer { unlink(large) }
        let cases: [(String, String)] = [
            ("/dev/zero", "is not a regular file (a character device)"),
            (fifo, "is not a regular file (a FIFO)"),
            (NSTemporaryDirectory(), "is not a regular file (a directory)"),
            (large, "is \(FileBytes.secretLimit + 1) bytes; at most \(FileBytes.secretLimit) are read"),
        ]
        for (path, reason) in cases {
            let error = #expect(throws: FileReadError.self) {
                try FileBytes.read(path, what: "key file", limit: FileBytes.secretLimit)
            }
            #expect(error?.description == "key file \(path) \(reason)")
        }
    }

    @Test func aRegularFileUpToTheLimitIsReadWhole() throws {
        let path = temporaryPath()
        try write(String(repeating: "a", count: 100), to: path)
        defer { unlink(path) }
        let read = try FileBytes.read(path, what: "config file", limit: 100)
        #expect(read.bytes == Array(repeating: UInt8(ascii: "a"), count: 100))
        #expect(read.info.st_size == 100)
        #expect(throws: FileReadError.self) { try FileBytes.read(path, what: "config file", limit: 99) }
    }

    @Test func aConfigFileThatIsAFIFOIsAnErrorNotAHang() throws {
        let fifo = temporaryPath()
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        let loaded = ConfigurationLoader.read(arguments: ["--config", fifo], environment: [:])
        #expect(loaded.errors == ["config file \(fifo) is not a regular file (a FIFO)"])
    }

    /// The reload thread once blocked forever on a FIFO swapped in for the key, so later
    /// rotations were ignored: now the FIFO fails at once and the next good key loads.
    @Test func aFIFOSwappedInForTheKeyFailsTheReloadAndTheNextRotationStillLoads() throws {
        let path = temporaryPath()
        try write("first-key-0123456789abcdef0123456789", to: path)
        let store = try KeyStore(source: .file(path: path), algorithm: .hs256)
        let first = store.key.sign([1])
        let fifo = path + ".fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(rename(fifo, path) == 0)
        guard case .failed(let reason) = store.reload(onlyIfChanged: true) else {
            Issue.record("a FIFO must fail the reload")
            return
        }
        #expect(reason == "key file \(path) is not a regular file (a FIFO)")
        #expect(store.key.sign([1]) == first)

        try write("second-key-0123456789abcdef012345678", to: path + ".new")
        #expect(rename(path + ".new", path) == 0)
        #expect(store.reload(onlyIfChanged: true) == .reloaded)
        #expect(store.key.sign([1]) != first)
        unlink(path)
    }

    @Test func keyReadersAreOthersOrAGroupThisProcessIsNotIn() {
        func info(mode: mode_t, group: gid_t) -> stat {
            var info = stat()
            info.st_mode = S_IFREG | mode
            info.st_gid = group
            return info
        }
        let mine = getegid()
        var foreign: gid_t = 4_000_000_000
        while FileExposure.processGroups().contains(foreign) { foreign -= 1 }
        #expect(FileExposure.unexpectedReaders(info(mode: 0o400, group: foreign)) == nil)
        #expect(FileExposure.unexpectedReaders(info(mode: 0o600, group: foreign)) == nil)
        // The shipped Deployment: root-owned, defaultMode 0440, group = the pod's fsGroup.
        #expect(FileExposure.unexpectedReaders(info(mode: 0o440, group: mine)) == nil)
        #expect(FileExposure.unexpectedReaders(info(mode: 0o440, group: foreign)) == "a group this process is not in")
        #expect(FileExposure.unexpectedReaders(info(mode: 0o404, group: mine)) == "others")
        #expect(FileExposure.unexpectedReaders(info(mode: 0o444, group: mine)) == "others")
    }

    /// The shipped Deployment's key mount, as `deploy/kubernetes/deployment.yaml` declares it:
    /// the Secret volume's `defaultMode` and the pod's `fsGroup` (which Kubernetes gives the
    /// mounted files as their group and the process as a supplementary group). Changing
    /// either so that the sidecar would warn at start fails here.
    @Test func theShippedDeploymentsKeyMountGivesNoWarning() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let manifest = try String(contentsOf: root.appendingPathComponent("deploy/kubernetes/deployment.yaml"), encoding: .utf8)
        let lines = manifest.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let volume = try #require(
            lines.indices.dropLast().first { lines[$0] == "- name: merchant-key" && lines[$0 + 1] == "secret:" }, "the merchant-key volume")
        let modeLine = try #require(lines[volume...].first { $0.hasPrefix("defaultMode:") })
        let mode = try #require(mode_t(modeLine.dropFirst("defaultMode:".count).trimmingCharacters(in: .whitespaces), radix: 8))
        #expect(mode == 0o440)
        #expect(lines.contains { $0.hasPrefix("fsGroup: ") }, "the pod sets fsGroup, so the process is in the key's group")
        var info = stat()
        info.st_mode = S_IFREG | mode
        info.st_gid = getegid()  // the fsGroup: a group the process is in
        #expect(FileExposure.unexpectedReaders(info) == nil)
    }

    @Test func checkConfigWarnsAboutAKeyReadableByOthersButNotThroughASymlinkToAGroupReadableFile() throws {
        let directory = temporaryPath()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let secret = "k-0123456789abcdef0123456789abcdef"
        // As Kubernetes mounts a Secret: key -> ..data/key, the file 0440 in our group.
        try FileManager.default.createDirectory(atPath: directory + "/..data", withIntermediateDirectories: true)
        try write(secret, to: directory + "/..data/key", mode: 0o440)
        #expect(chown(directory + "/..data/key", geteuid(), getegid()) == 0)
        #expect(symlink("..data/key", directory + "/key") == 0)
        var configuration = SidecarConfiguration()
        configuration.key = .file(path: directory + "/key")
        #expect(ConfigurationReport.warnings(configuration, environment: [:]).isEmpty)

        try write(secret, to: directory + "/open", mode: 0o644)
        configuration.key = .file(path: directory + "/open")
        #expect(
            ConfigurationReport.warnings(configuration, environment: [:]) == [
                "key file \(directory)/open is readable by others (mode 644, group \(getegid())); run chmod o-r on it, or give it a group this process is in"
            ])
    }

    @Test func aUnixSocketModeWiderThan660IsAWarning() {
        var configuration = SidecarConfiguration()
        configuration.listen = "unix:/tmp/s.sock"
        #expect(ConfigurationReport.warnings(configuration, environment: [:]).isEmpty)
        configuration.unixSocketMode = 0o600
        #expect(ConfigurationReport.warnings(configuration, environment: [:]).isEmpty)
        configuration.unixSocketMode = 0o666
        #expect(
            ConfigurationReport.warnings(configuration, environment: [:]) == [
                "unixSocketMode 666 is wider than 660: users outside the socket's owner and group can have requests signed"
            ])
        configuration.unixSocketMode = 0o670
        #expect(ConfigurationReport.warnings(configuration, environment: [:]).count == 1)
        configuration.listen = "127.0.0.1:18080"
        #expect(ConfigurationReport.warnings(configuration, environment: [:]).isEmpty, "no unix listener, nothing to warn about")
    }
}
