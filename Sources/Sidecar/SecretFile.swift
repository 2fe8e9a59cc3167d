import Glibc

/// Reads a file holding a secret (a signing key, proxy credentials), refusing one that
/// others could have written: they would choose what we sign with or whom we log in as.
enum SecretFile {
    /// The file's bytes and its `stat`; `what` names it in errors ("key file").
    static func read(_ path: String, what: String) throws(KeyError) -> (bytes: [UInt8], info: stat) {
        let read: (bytes: [UInt8], info: stat)
        do throws(FileReadError) {
            read = try FileBytes.read(path, what: what, limit: FileBytes.secretLimit)
        } catch {
            throw KeyError(description: error.description)
        }
        // Checked on the descriptor the bytes came from.
        guard read.info.st_mode & 0o022 == 0 else {
            throw KeyError(
                description:
                    "\(what) \(path) is writable by group or others (mode \(String(read.info.st_mode & 0o777, radix: 8))); run chmod go-w on it"
            )
        }
        return read
    }
}
