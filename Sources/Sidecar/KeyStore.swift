import FoundationEssentials
import FreedomPayJWS
import Glibc
import Synchronization

/// Why the key could not be loaded. Never carries key bytes.
public struct KeyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}

/// Holds the current signing key and swaps it atomically on rotation. A bad new key
/// leaves the old one in place.
public final class KeyStore: Sendable {
    public let source: KeySource
    public let algorithm: JWSAlgorithm
    private let state: Mutex<(key: SigningKey, fileIdentity: FileIdentity?)>

    /// Loads the key or fails with a reason fit for an operator (and for a non-zero exit).
    public init(source: KeySource, algorithm: JWSAlgorithm) throws(KeyError) {
        self.source = source
        self.algorithm = algorithm
        let loaded = try KeyStore.load(source, algorithm: algorithm)
        state = Mutex((loaded.key, loaded.identity))
    }

    public var key: SigningKey { state.withLock { $0.key } }

    public enum ReloadOutcome: Sendable, Equatable {
        case unchanged
        case reloaded
        case failed(String)
    }

    /// Re-reads the key file. With `onlyIfChanged`, a file whose identity (inode, size,
    /// times) is unchanged is not read again.
    public func reload(onlyIfChanged: Bool) -> ReloadOutcome {
        guard case .file(let path) = source else { return .unchanged }
        if onlyIfChanged {
            let identity = FileIdentity(path: path)
            if identity != nil && identity == state.withLock({ $0.fileIdentity }) { return .unchanged }
        }
        do {
            let loaded = try KeyStore.load(source, algorithm: algorithm)
            state.withLock { $0 = (loaded.key, loaded.identity) }
            return .reloaded
        } catch {
            // Remember the bad file's identity so that it is reported once, not every poll.
            let identity = FileIdentity(path: path)
            state.withLock { $0.fileIdentity = identity }
            return .failed(error.description)
        }
    }

    static func load(_ source: KeySource, algorithm: JWSAlgorithm) throws(KeyError) -> (key: SigningKey, identity: FileIdentity?) {
        let bytes: [UInt8]
        var identity: FileIdentity?
        switch source {
        case .inline(let inline), .variable(_, let inline):
            bytes = inline
        case .file(let path):
            let (contents, info) = try SecretFile.read(path, what: "key file")
            bytes = contents
            identity = FileIdentity(info)
        }
        do {
            return (try SigningKey(algorithm: algorithm, keyData: bytes), identity)
        } catch {
            throw KeyError(description: "key from \(source): \(error.description)")
        }
    }
}

/// What changes when a file is replaced or rewritten (a Kubernetes secret update swaps a
/// symlink, so the resolved inode changes).
struct FileIdentity: Sendable, Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Int
    var modifiedNanoseconds: Int
    var changed: Int

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = info.st_mtim.tv_sec
        modifiedNanoseconds = info.st_mtim.tv_nsec
        changed = info.st_ctim.tv_sec
    }

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(info)
    }
}
