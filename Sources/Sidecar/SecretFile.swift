import FoundationEssentials
import Glibc

/// Reads a file holding a secret (a signing key, proxy credentials), refusing one that
/// others could have written: they would choose what we sign with or whom we log in as.
enum SecretFile {
    /// The file's bytes and its `stat`; `what` names it in errors ("key file").
    static func read(_ path: String, what: String) throws(KeyError) -> (bytes: [UInt8], info: stat) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw KeyError(description: "\(what) \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw KeyError(description: "\(what) \(path) is not a regular file") }
        guard info.st_mode & 0o022 == 0 else {
            throw KeyError(
                description:
                    "\(what) \(path) is writable by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod go-w on it"
            )
        }
        guard let bytes = FileBytes.read(path) else {
            throw KeyError(description: "\(what) \(path) cannot be read")
        }
        return (bytes, info)
    }
}
